// Response headers policies in the local CloudFront, through the SDK v3
// client: create, read, update under If-Match, delete unless in use, list; the
// documented refusals; a distribution may only name one that exists; and the
// local edge applies a policy's headers to what the origin answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateResponseHeadersPolicyCommand,
  DeleteResponseHeadersPolicyCommand,
  GetDistributionConfigCommand,
  GetResponseHeadersPolicyCommand,
  GetResponseHeadersPolicyConfigCommand,
  InconsistentQuantities,
  ListResponseHeadersPoliciesCommand,
  NoSuchResponseHeadersPolicy,
  PreconditionFailed,
  ResponseHeadersPolicyAlreadyExists,
  ResponseHeadersPolicyInUse,
  TooManyCustomHeadersInResponseHeadersPolicy,
  UpdateDistributionCommand,
  UpdateResponseHeadersPolicyCommand,
  type ResponseHeadersPolicyConfig,
} from '@aws-sdk/client-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEdge } from '../../../cli/local/edge.js';
import { distributionConfigXml } from '../../../cli/local/services/cloudfront/config.js';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
let origin: Server;
let distributionId: string;

const robots = (name: string, value = 'noindex, nofollow'): ResponseHeadersPolicyConfig => ({
  Name: name,
  Comment: 'test',
  CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'X-Robots-Tag', Value: value, Override: true }] },
  RemoveHeadersConfig: { Quantity: 1, Items: [{ Header: 'X-Powered-By' }] },
});

beforeAll(async () => {
  t = await startTestCloud({ deploySeconds: 0 });
  origin = createServer((_req, res) =>
    res.writeHead(200, { 'x-powered-by': 'Express', 'x-robots-tag': 'all', 'x-kept': 'yes' }).end('origin'),
  );
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  distributionId = t.cloud.cloudfront.createDistribution(
    distributionConfigXml({
      callerReference: 'rhp',
      comment: 'response headers',
      origin: { domainName: '127.0.0.1', protocol: 'http', port: (origin.address() as AddressInfo).port },
    }),
  ).id;
});
afterAll(async () => {
  origin?.close();
  await t.stop();
});

describe('local CloudFront response headers policies', () => {
  it('creates, reads, lists and updates one under If-Match; refuses a stale ETag and a taken name', async () => {
    const created = await t.cf.send(
      new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: robots('a') }),
    );
    const id = created.ResponseHeadersPolicy?.Id as string;
    expect(created.ETag).toBeTruthy();
    expect(created.Location).toContain(`/response-headers-policy/${id}`);
    const got = await t.cf.send(new GetResponseHeadersPolicyCommand({ Id: id }));
    expect(got.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.CustomHeadersConfig?.Items).toEqual([
      { Header: 'X-Robots-Tag', Value: 'noindex, nofollow', Override: true },
    ]);
    const config = await t.cf.send(new GetResponseHeadersPolicyConfigCommand({ Id: id }));
    expect(config.ResponseHeadersPolicyConfig?.Name).toBe('a');
    const list = await t.cf.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom' }));
    expect(list.ResponseHeadersPolicyList?.Items?.map((i) => i.ResponseHeadersPolicy?.Id)).toContain(id);
    expect(
      (await t.cf.send(new ListResponseHeadersPoliciesCommand({ Type: 'managed' }))).ResponseHeadersPolicyList
        ?.Quantity,
    ).toBe(0);

    await expect(
      t.cf.send(
        new UpdateResponseHeadersPolicyCommand({ Id: id, IfMatch: 'stale', ResponseHeadersPolicyConfig: robots('a') }),
      ),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    const updated = await t.cf.send(
      new UpdateResponseHeadersPolicyCommand({
        Id: id,
        IfMatch: got.ETag,
        ResponseHeadersPolicyConfig: robots('a', 'noindex'),
      }),
    );
    expect(updated.ETag).not.toBe(got.ETag);
    await expect(
      t.cf.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: robots('a') })),
    ).rejects.toBeInstanceOf(ResponseHeadersPolicyAlreadyExists);
  });

  it('refuses what CloudFront refuses: quantities that disagree, more than 10 custom headers, reserved headers', async () => {
    await expect(
      t.cf.send(
        new CreateResponseHeadersPolicyCommand({
          ResponseHeadersPolicyConfig: {
            Name: 'q',
            CustomHeadersConfig: { Quantity: 2, Items: [{ Header: 'X-A', Value: '1', Override: true }] },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(InconsistentQuantities);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Header: `X-H${i}`, Value: 'v', Override: false }));
    await expect(
      t.cf.send(
        new CreateResponseHeadersPolicyCommand({
          ResponseHeadersPolicyConfig: { Name: 'many', CustomHeadersConfig: { Quantity: 11, Items: eleven } },
        }),
      ),
    ).rejects.toBeInstanceOf(TooManyCustomHeadersInResponseHeadersPolicy);
    await expect(
      t.cf.send(
        new CreateResponseHeadersPolicyCommand({
          ResponseHeadersPolicyConfig: {
            Name: 'reserved',
            CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'Content-Length', Value: '1', Override: true }] },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('a distribution names only a policy that exists; the edge applies it to the origin answer; in use, it stays', async () => {
    const { ResponseHeadersPolicy } = await t.cf.send(
      new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: robots('site') }),
    );
    const policyId = ResponseHeadersPolicy?.Id as string;
    const current = await t.cf.send(new GetDistributionConfigCommand({ Id: distributionId }));
    const config = current.DistributionConfig!;
    config.DefaultCacheBehavior!.ResponseHeadersPolicyId = 'no-such-policy';
    await expect(
      t.cf.send(
        new UpdateDistributionCommand({ Id: distributionId, IfMatch: current.ETag, DistributionConfig: config }),
      ),
    ).rejects.toBeInstanceOf(NoSuchResponseHeadersPolicy);
    config.DefaultCacheBehavior!.ResponseHeadersPolicyId = policyId;
    const updated = await t.cf.send(
      new UpdateDistributionCommand({ Id: distributionId, IfMatch: current.ETag, DistributionConfig: config }),
    );
    expect(updated.Distribution?.DistributionConfig?.DefaultCacheBehavior?.ResponseHeadersPolicyId).toBe(policyId);

    const edge = await LocalEdge.start({ cloud: t.cloud, distributionId, port: 0 });
    try {
      const answer = await fetch(edge.url);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-robots-tag')).toBe('noindex, nofollow'); // overrides the origin's
      expect(answer.headers.get('x-powered-by')).toBeNull(); // removed
      expect(answer.headers.get('x-kept')).toBe('yes');
    } finally {
      await edge.stop();
    }

    const policy = await t.cf.send(new GetResponseHeadersPolicyCommand({ Id: policyId }));
    await expect(
      t.cf.send(new DeleteResponseHeadersPolicyCommand({ Id: policyId, IfMatch: policy.ETag })),
    ).rejects.toBeInstanceOf(ResponseHeadersPolicyInUse);
  });
});
