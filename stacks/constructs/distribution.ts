// Distribution mode `create`: a CloudFront distribution in front of the
// origin, HTTPS only for viewers, the edge function on the default behavior
// and on every configured path pattern: a Lambda@Edge version by qualified
// (numbered) ARN, or the CloudFront function.

import { Construct } from 'constructs';
import { Fn, type TerraformProvider } from 'cdktf';
import {
  CloudfrontDistribution,
  type CloudfrontDistributionOrderedCacheBehavior,
} from '@cdktf/provider-aws/lib/cloudfront-distribution/index.js';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control/index.js';
import { noindexPolicy } from './noindex.js';
import type { Config } from '../../cli/project/config.js';
import { priceClassFor } from '../price-class.js';

// AWS managed policies (ids are global constants).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const ORIGIN_ID = 'origin';

export interface DistributionProps {
  provider: TerraformProvider;
  name: string;
  config: Extract<Config['distribution'], { mode: 'create' }>;
  /** the secret's home region: the default price class serves its part of the world */
  homeRegion: string;
  /** Lambda@Edge: the qualified (numbered) version ARN; CloudFront Functions: the function's ARN */
  viewerRequest: { lambdaArn: string } | { functionArn: string };
}

export class Distribution extends Construct {
  readonly distribution: CloudfrontDistribution;
  /** for S3 origins: the bucket policy statement the bucket needs (basicauth does not own the bucket) */
  readonly bucketPolicy: string | undefined;

  constructor(scope: Construct, id: string, p: DistributionProps) {
    super(scope, id);
    const origin = p.config.origin;
    const association =
      'lambdaArn' in p.viewerRequest
        ? {
            lambdaFunctionAssociation: [
              { eventType: 'viewer-request', lambdaArn: p.viewerRequest.lambdaArn, includeBody: false },
            ],
          }
        : { functionAssociation: [{ eventType: 'viewer-request', functionArn: p.viewerRequest.functionArn }] };
    const isS3 = origin.type === 's3';
    const policies = isS3
      ? { cachePolicyId: CACHING_OPTIMIZED }
      : { cachePolicyId: CACHING_DISABLED, originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST };
    // noindex (the default): every answer says X-Robots-Tag: noindex, nofollow, so a staging site stays out of
    // search engines even where a link to it leaks; the edge's own 401 carries it too
    const robots = p.config.noindex ? noindexPolicy(this, p.provider, p.name) : undefined;
    const behavior = {
      targetOriginId: ORIGIN_ID,
      ...(robots ? { responseHeadersPolicyId: robots.id } : {}),
      viewerProtocolPolicy: 'redirect-to-https',
      allowedMethods: isS3 ? ['GET', 'HEAD', 'OPTIONS'] : ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
      cachedMethods: ['GET', 'HEAD'],
      compress: true,
      ...policies,
      ...association,
    };
    let oac: CloudfrontOriginAccessControl | undefined;
    if (isS3) {
      oac = new CloudfrontOriginAccessControl(this, 'oac', {
        provider: p.provider,
        name: `${p.name}-oac`,
        originAccessControlOriginType: 's3',
        signingBehavior: 'always',
        signingProtocol: 'sigv4',
      });
    }
    this.distribution = new CloudfrontDistribution(this, 'distribution', {
      provider: p.provider,
      enabled: true,
      isIpv6Enabled: true,
      httpVersion: 'http2and3',
      comment: p.config.comment ?? `${p.name} (basicauth)`,
      // a static site in a bucket: / serves index.html
      ...(isS3 ? { defaultRootObject: 'index.html' } : {}),
      priceClass: p.config.priceClass ?? priceClassFor(p.homeRegion),
      origin: [
        origin.type === 's3'
          ? {
              originId: ORIGIN_ID,
              domainName: `${origin.bucket}.s3.${origin.bucketRegion}.amazonaws.com`,
              originPath: origin.originPath,
              originAccessControlId: oac!.id,
            }
          : {
              originId: ORIGIN_ID,
              domainName: origin.domainName,
              originPath: origin.originPath,
              customOriginConfig: {
                httpPort: origin.httpPort,
                httpsPort: origin.httpsPort,
                originProtocolPolicy: origin.protocol,
                originSslProtocols: ['TLSv1.2'],
              },
            },
      ],
      defaultCacheBehavior: behavior,
      orderedCacheBehavior: p.config.pathPatterns.map(
        (pathPattern): CloudfrontOrderedCacheBehavior => ({ ...behavior, pathPattern }),
      ),
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      // basicauth deploy waits for Deployed itself, with progress (and --no-wait)
      waitForDeployment: false,
      // The default *.cloudfront.net certificate allows TLSv1; your own names with an ACM certificate get TLSv1.2_2021.
      ...(p.config.certificateArn ? { aliases: p.config.aliases } : {}),
      viewerCertificate: p.config.certificateArn
        ? {
            acmCertificateArn: p.config.certificateArn,
            sslSupportMethod: 'sni-only',
            minimumProtocolVersion: p.config.minimumProtocolVersion,
          }
        : { cloudfrontDefaultCertificate: true },
    });
    this.bucketPolicy =
      origin.type === 's3'
        ? Fn.jsonencode({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AllowCloudFrontOAC',
                Effect: 'Allow',
                Principal: { Service: 'cloudfront.amazonaws.com' },
                Action: 's3:GetObject',
                Resource: `arn:aws:s3:::${origin.bucket}/*`,
                Condition: { StringEquals: { 'AWS:SourceArn': this.distribution.arn } },
              },
            ],
          })
        : undefined;
  }
}

type CloudfrontOrderedCacheBehavior = CloudfrontDistributionOrderedCacheBehavior;
