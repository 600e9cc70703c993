// Reading and writing CloudFront DistributionConfig XML: the parts the local
// edge routes by, and a template for the distribution `dev` creates.

import { XMLParser } from 'fast-xml-parser';
import { pathPatternSource } from '../../handlers/edge-auth/path-patterns.js';
import { escapeXml } from '../xml.js';

export const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

const LIST_MEMBERS = new Set(['Origin', 'CacheBehavior', 'LambdaFunctionAssociation', 'FunctionAssociation', 'OriginCustomHeader', 'CNAME', 'CustomErrorResponse']);
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => LIST_MEMBERS.has(name), processEntities: true });

export interface EdgeOrigin {
  id: string;
  domainName: string;
  originPath: string;
  protocol: 'http' | 'https';
  port: number;
  customHeaders: Array<[string, string]>;
}

export interface EdgeBehavior {
  pathPattern: string | undefined;
  /** compiled once per config: the edge runs it on every request */
  matches: (path: string) => boolean;
  targetOriginId: string;
  viewerRequestArn: string | undefined;
}

export interface EdgeRouting {
  enabled: boolean;
  origins: EdgeOrigin[];
  behaviors: EdgeBehavior[];
  defaultBehavior: EdgeBehavior;
  callerReference: string;
  lambdaArns: Array<{ arn: string; eventType: string }>;
}

type Node = Record<string, unknown>;
const items = (node: unknown, member: string): Node[] => {
  const list = (node as Node | undefined)?.Items as Node | undefined;
  const value = list?.[member];
  return Array.isArray(value) ? (value as Node[]) : [];
};
const text = (node: unknown, key: string): string | undefined => {
  const value = (node as Node | undefined)?.[key];
  return typeof value === 'string' ? value : undefined;
};

export class ConfigError extends Error {}

export function parseDistributionConfig(xml: string): EdgeRouting {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    throw new ConfigError(`the DistributionConfig is not well-formed XML: ${(error as Error).message}`);
  }
  const config = doc.DistributionConfig as Node | undefined;
  if (!config) throw new ConfigError('the document is not a DistributionConfig');
  const callerReference = text(config, 'CallerReference');
  if (!callerReference) throw new ConfigError('DistributionConfig.CallerReference is required');
  const lambdaArns: EdgeRouting['lambdaArns'] = [];
  const behavior = (node: Node | undefined, pathPattern?: string): EdgeBehavior => {
    const targetOriginId = text(node, 'TargetOriginId');
    if (!node || !targetOriginId) throw new ConfigError(`${pathPattern ? `CacheBehavior ${pathPattern}` : 'DefaultCacheBehavior'} needs a TargetOriginId`);
    let viewerRequestArn: string | undefined;
    for (const association of items(node.LambdaFunctionAssociations, 'LambdaFunctionAssociation')) {
      const arn = text(association, 'LambdaFunctionARN') ?? '';
      const eventType = text(association, 'EventType') ?? '';
      lambdaArns.push({ arn, eventType });
      if (eventType === 'viewer-request') viewerRequestArn = arn;
    }
    return { pathPattern, matches: pathPattern === undefined ? () => false : pathPatternMatcher(pathPattern), targetOriginId, viewerRequestArn };
  };
  const origins = items(config.Origins, 'Origin').map((o): EdgeOrigin => {
    const custom = o.CustomOriginConfig as Node | undefined;
    const policy = text(custom, 'OriginProtocolPolicy') ?? 'https-only';
    const protocol = policy === 'http-only' ? 'http' : 'https';
    const port = Number(text(custom, protocol === 'http' ? 'HTTPPort' : 'HTTPSPort') ?? (protocol === 'http' ? 80 : 443));
    return {
      id: text(o, 'Id') ?? '',
      domainName: text(o, 'DomainName') ?? '',
      originPath: text(o, 'OriginPath') ?? '',
      protocol,
      port,
      customHeaders: items(o.CustomHeaders, 'OriginCustomHeader').map((h) => [text(h, 'HeaderName') ?? '', text(h, 'HeaderValue') ?? '']),
    };
  });
  if (origins.length === 0) throw new ConfigError('DistributionConfig.Origins needs at least one Origin');
  const defaultBehavior = behavior(config.DefaultCacheBehavior as Node | undefined);
  const behaviors = items(config.CacheBehaviors, 'CacheBehavior').map((b) => behavior(b, text(b, 'PathPattern')));
  for (const b of [defaultBehavior, ...behaviors]) {
    if (!origins.some((o) => o.id === b.targetOriginId)) throw new ConfigError(`no Origin has the Id ${b.targetOriginId} that a cache behavior targets`);
  }
  return { enabled: text(config, 'Enabled') !== 'false', origins, behaviors, defaultBehavior, callerReference, lambdaArns };
}

/** CloudFront path patterns (the edge handler's syntax); in a behavior the leading `/` is optional. */
function pathPatternMatcher(pattern: string): (path: string) => boolean {
  const re = new RegExp(`^${pathPatternSource(pattern.startsWith('/') ? pattern : `/${pattern}`)}$`);
  return (path) => re.test(path);
}


export interface NewDistribution {
  callerReference: string;
  comment: string;
  origin: { domainName: string; protocol: 'http' | 'https'; port: number };
  viewerRequestArn: string;
}

function associationXml(arn: string): string {
  return `<LambdaFunctionAssociations><Quantity>1</Quantity><Items><LambdaFunctionAssociation><LambdaFunctionARN>${escapeXml(arn)}</LambdaFunctionARN><EventType>viewer-request</EventType><IncludeBody>false</IncludeBody></LambdaFunctionAssociation></Items></LambdaFunctionAssociations>`;
}

/** The distribution `basicauth dev` creates: one custom origin, the edge function on the default behavior. */
export function distributionConfigXml(d: NewDistribution): string {
  const policy = d.origin.protocol === 'http' ? 'http-only' : 'https-only';
  return [
    `<DistributionConfig xmlns="${CLOUDFRONT_NS}">`,
    `<CallerReference>${escapeXml(d.callerReference)}</CallerReference>`,
    '<Aliases><Quantity>0</Quantity></Aliases>',
    '<DefaultRootObject></DefaultRootObject>',
    '<Origins><Quantity>1</Quantity><Items><Origin>',
    `<Id>origin</Id><DomainName>${escapeXml(d.origin.domainName)}</DomainName><OriginPath></OriginPath>`,
    '<CustomHeaders><Quantity>0</Quantity></CustomHeaders>',
    `<CustomOriginConfig><HTTPPort>${d.origin.protocol === 'http' ? d.origin.port : 80}</HTTPPort><HTTPSPort>${d.origin.protocol === 'https' ? d.origin.port : 443}</HTTPSPort>`,
    `<OriginProtocolPolicy>${policy}</OriginProtocolPolicy><OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols>`,
    '<OriginReadTimeout>30</OriginReadTimeout><OriginKeepaliveTimeout>5</OriginKeepaliveTimeout></CustomOriginConfig>',
    '<ConnectionAttempts>3</ConnectionAttempts><ConnectionTimeout>10</ConnectionTimeout>',
    '</Origin></Items></Origins>',
    '<DefaultCacheBehavior><TargetOriginId>origin</TargetOriginId>',
    '<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>',
    '<TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>',
    '<ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>',
    '<AllowedMethods><Quantity>7</Quantity><Items><Method>GET</Method><Method>HEAD</Method><Method>OPTIONS</Method><Method>PUT</Method><Method>POST</Method><Method>PATCH</Method><Method>DELETE</Method></Items>',
    '<CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></CachedMethods></AllowedMethods>',
    '<SmoothStreaming>false</SmoothStreaming><Compress>true</Compress>',
    associationXml(d.viewerRequestArn),
    '<FunctionAssociations><Quantity>0</Quantity></FunctionAssociations><FieldLevelEncryptionId></FieldLevelEncryptionId>',
    '<CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId>',
    '</DefaultCacheBehavior>',
    '<CacheBehaviors><Quantity>0</Quantity></CacheBehaviors>',
    '<CustomErrorResponses><Quantity>0</Quantity></CustomErrorResponses>',
    `<Comment>${escapeXml(d.comment)}</Comment>`,
    '<Logging><Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix></Logging>',
    '<PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled>',
    '<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate><SSLSupportMethod>vip</SSLSupportMethod><MinimumProtocolVersion>TLSv1</MinimumProtocolVersion><CertificateSource>cloudfront</CertificateSource></ViewerCertificate>',
    '<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>',
    '<WebACLId></WebACLId><HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled><Staging>false</Staging>',
    '</DistributionConfig>',
  ].join('');
}
