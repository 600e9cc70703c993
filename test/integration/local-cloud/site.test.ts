import {
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
  type CacheBehavior,
} from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import { provisionSite, type SiteSpec } from '../../../cli/local/site.js';
import { bundleFunction } from '../../../stacks/function-bundle.js';
import { sourceFunction, startTestCloud, testBundle } from '../../helpers/local-cloud.js';

const viewerRequest = (b: Pick<CacheBehavior, 'LambdaFunctionAssociations' | 'FunctionAssociations'> | undefined) => ({
  lambda: (b?.LambdaFunctionAssociations?.Items ?? [])
    .filter((a) => a.EventType === 'viewer-request')
    .map((a) => a.LambdaFunctionARN),
  function: (b?.FunctionAssociations?.Items ?? [])
    .filter((a) => a.EventType === 'viewer-request')
    .map((a) => a.FunctionARN),
});

describe('provisioning a site again (every `basicauth dev` start)', () => {
  it("moves every behavior that ran the site's edge to its new version or engine, and leaves someone else's function alone", async () => {
    const t = await startTestCloud();
    try {
      const base: Omit<SiteSpec, 'edgeFunction'> = {
        secretName: 'basicauth/test',
        initialValue: { username: 'admin', password: 'site-Password-123' },
        callerReference: 'site',
        origin: { domainName: '127.0.0.1', protocol: 'http', port: 9 },
      };
      const first = await provisionSite(t.cloud, {
        ...base,
        edgeFunction: { name: 'edge', zip: (await testBundle('edge-auth')).zip },
      });
      const other = await t.cloud.lambda.putFunction({
        name: 'someone-elses',
        zip: (await sourceFunction('export const handler = async (e) => e.Records[0].cf.request;')).zip,
        timeout: 5,
        description: 'not the site',
        environment: {},
        region: 'us-east-1',
      });
      const otherArn = `${other.fn.arn}:${t.cloud.lambda.functions.publish(other.fn).version}`;
      // by hand: a second path running the site's edge, and one running someone else's function
      const read = async () => await t.cf.send(new GetDistributionConfigCommand({ Id: first.distributionId }));
      const current = await read();
      const config = current.DistributionConfig!;
      const foreign = structuredClone(config.DefaultCacheBehavior!);
      foreign.LambdaFunctionAssociations = {
        Quantity: 1,
        Items: [{ LambdaFunctionARN: otherArn, EventType: 'viewer-request', IncludeBody: false }],
      };
      config.CacheBehaviors = {
        Quantity: 2,
        Items: [
          { ...structuredClone(config.DefaultCacheBehavior!), PathPattern: '/api/*' },
          { ...foreign, PathPattern: '/other/*' },
        ],
      };
      await t.cf.send(
        new UpdateDistributionCommand({ Id: first.distributionId, IfMatch: current.ETag, DistributionConfig: config }),
      );

      const second = await provisionSite(t.cloud, {
        ...base,
        edgeFunction: { name: 'edge', zip: (await testBundle('edge-auth', { realm: 'Changed' })).zip },
      });
      expect(second.edgeVersion).not.toBe(first.edgeVersion);
      let after = (await read()).DistributionConfig!;
      const runsNew = { lambda: [`${second.edgeFunctionArn}:${second.edgeVersion}`], function: [] };
      expect(viewerRequest(after.DefaultCacheBehavior)).toEqual(runsNew);
      expect(viewerRequest(after.CacheBehaviors?.Items?.[0])).toEqual(runsNew);
      expect(viewerRequest(after.CacheBehaviors?.Items?.[1])).toEqual({ lambda: [otherArn], function: [] });

      // switching engines takes the hand-made path along too
      const code = await bundleFunction({ secretId: 'basicauth/test', secretRegion: 'us-east-1' });
      const third = await provisionSite(t.cloud, {
        ...base,
        cloudFrontFunction: { name: 'edge-fn', code: code.code, keyValueStoreName: 'edge-digests', graceSeconds: 0 },
      });
      after = (await read()).DistributionConfig!;
      const runsFunction = { lambda: [], function: [third.edgeFunctionArn] };
      expect(viewerRequest(after.DefaultCacheBehavior)).toEqual(runsFunction);
      expect(viewerRequest(after.CacheBehaviors?.Items?.[0])).toEqual(runsFunction);
      expect(viewerRequest(after.CacheBehaviors?.Items?.[1])).toEqual({ lambda: [otherArn], function: [] });
    } finally {
      await t.stop();
    }
  });
});
