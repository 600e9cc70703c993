// Generated Authorization headers: whatever arrives, the handler answers
// 401 (or 200 for the one right credential) and never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthorization } from '../../../handlers/shared/basic-auth.js';
import { resolveEdgeAuthConfig } from '../../../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../../../handlers/edge-auth/edge-auth.js';
import type { CloudFrontResultResponse } from '../../../handlers/edge-auth/cloudfront.js';
import { basic, viewerRequest } from '../../helpers/edge-events.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';

const USER = 'admin';
const PASSWORD = 'Correct-Horse-9:battery';

const nearMiss = fc.oneof(
  // right user, password off by a little
  fc
    .string({ maxLength: 40 })
    .filter((p) => p !== PASSWORD)
    .map((p) => basic(USER, p)),
  fc
    .string({ maxLength: 40 })
    .map((s) => basic(USER, PASSWORD + s))
    .filter((h) => h !== basic(USER, PASSWORD)),
  fc
    .string({ maxLength: 8 })
    .filter((s) => s !== USER)
    .map((u) => basic(u, PASSWORD)),
  fc.constant(basic(USER.toUpperCase(), PASSWORD)),
);
const garbage = fc.oneof(
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.string({ maxLength: 200 }).map((s) => `Basic ${s}`),
  fc.base64String({ maxLength: 200 }).map((s) => `basic ${s}`),
  fc.uint8Array({ maxLength: 120 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
  fc.uint8Array({ maxLength: 120 }).map((b) => `Basic ${Buffer.from(b).toString('base64url')}`),
  fc
    .tuple(
      fc.constantFrom('Basic', 'BASIC', ' basic', 'Bearer', 'Digest', ''),
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 100 }),
    )
    .map(([scheme, ws, rest]) => `${scheme}${ws}${rest}`),
  fc.integer({ min: 4000, max: 20_000 }).map((n) => `Basic ${'QUFB'.repeat(Math.ceil(n / 4))}`),
);
const headerValue = fc.oneof(nearMiss, garbage);
const headerList = fc.oneof(
  { weight: 8, arbitrary: headerValue.map((v) => [v]) },
  { weight: 1, arbitrary: fc.array(headerValue, { minLength: 0, maxLength: 3 }) },
);

describe('edge-auth against generated Authorization headers', () => {
  const secrets = new FakeSecretVersions({ username: USER, password: PASSWORD });
  const edge = createEdgeAuth(resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1' }), {
    fetchVersion: secrets.fetch,
    now: secrets.clock,
  });

  it('never throws and never allows a wrong credential (10,000 headers)', async () => {
    await fc.assert(
      fc.asyncProperty(headerList, async (values) => {
        expect(() => parseAuthorization(values)).not.toThrow();
        const event = viewerRequest();
        event.Records[0]!.cf.request.headers.authorization = values.map((value) => ({ key: 'Authorization', value }));
        const result = (await edge.handle(event)) as CloudFrontResultResponse;
        expect(result.status).toBe('401');
      }),
      { numRuns: 10_000 },
    );
  });

  it('still allows the right credential after the fuzzing', async () => {
    const result = await edge.handle(viewerRequest({ authorization: basic(USER, PASSWORD) }));
    expect('status' in result).toBe(false);
  });
});
