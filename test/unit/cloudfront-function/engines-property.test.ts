// The two engines, for good: random and crafted requests (Authorization
// variants, paths, methods, CORS headers, client IPs) through the Lambda@Edge
// handler and the CloudFront function as it deploys. They answer alike (status,
// body, the headers that carry the decision), and when they let a request
// through, the origin receives it without Authorization from either.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EdgeAuthConfigInput } from '../../../handlers/edge-auth/config.js';
import { bundleFunction } from '../../../stacks/function-bundle.js';
import type { CloudFrontFunction } from '../../../cli/local/cloudfront-functions.js';
import { basic, type RequestShape } from '../../helpers/edge-events.js';
import { DECISION_HEADERS, functionWith, published, runFunction, runLambda } from '../../helpers/engines.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';

const SETTINGS: EdgeAuthConfigInput = {
  secretId: 'basicauth/test',
  secretRegion: 'us-east-1',
  realm: 'Property',
  bypassPaths: ['/healthz', '/public/*', '/*.css', '/.well-known/*'],
  allowCidrs: ['192.0.2.0/24', '10.1.0.0/16', '2001:db8::/32'],
  cors: {
    allowOrigins: ['https://app.example.com'],
    allowMethods: ['GET', 'POST', 'PUT'],
    allowHeaders: ['content-type', 'x-token'],
  },
  graceSeconds: 60,
};
const USERS = { alice: 'alice-Password-1', bob: 'bob-Pässword:2' };

let fn: CloudFrontFunction;
beforeAll(async () => {
  fn = functionWith((await bundleFunction(SETTINGS)).code, published(USERS));
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const authorization: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    basic('alice', USERS.alice),
    basic('bob', USERS.bob),
    basic('alice', 'wrong'),
    basic('alice', USERS.bob),
    basic('mallory', USERS.alice),
    basic('', USERS.alice),
    `basic ${b64(`alice:${USERS.alice}`)}`,
    `BASIC ${b64(`alice:${USERS.alice}`)}`,
    `Basic  ${b64(`alice:${USERS.alice}`)}`,
    `Basic ${b64(`alice:${USERS.alice}`)} `,
    `Basic ${b64(`alice:${USERS.alice}`).replace(/=+$/, '')}`,
    `Basic ${b64('alice')}`,
    `Basic ${b64(`alice:${USERS.alice}\0`)}`,
    'Basic',
    'Basic =',
    'Bearer abc.def',
    `Digest username="alice"`,
  ),
  fc.constantFrom<string[]>(
    [basic('alice', USERS.alice), basic('alice', USERS.alice)],
    [basic('alice', USERS.alice), 'Basic x'],
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 60 }).map((s) => `Basic ${b64(s)}`),
  fc
    .tuple(fc.constantFrom('alice', 'bob', 'Alice', 'alice ', 'bøb'), fc.string({ maxLength: 20 }))
    .map(([u, p]) => basic(u, p)),
);

const uri = fc.oneof(
  fc.constantFrom(
    '/',
    '/healthz',
    '/healthz/',
    '/public/app.css',
    '/public/../admin',
    '/public/..;/admin',
    '/public%2F..%2Fadmin',
    '/admin/secret.html%3F.css',
    '/admin/x.php/.css',
    '/site.css',
    '/.well-known/acme-challenge/t',
    '/public/%41.js',
    '/public/a%20b',
  ),
  fc.webPath().map((p) => p || '/'),
);

const clientIp = fc.oneof(
  fc.constantFrom(
    '192.0.2.1',
    '192.0.3.1',
    '10.1.200.3',
    '10.2.0.1',
    '2001:db8::1',
    '2001:db9::1',
    '::ffff:192.0.2.1',
    '203.0.113.9',
  ),
  fc.ipV4(),
  fc.ipV6(),
);

const headers = fc.record(
  {
    Origin: fc.constantFrom('https://app.example.com', 'https://evil.example', 'null', 'https://app.example.com.evil'),
    'Access-Control-Request-Method': fc.constantFrom('GET', 'POST', 'DELETE', 'put', ''),
    'Access-Control-Request-Headers': fc.constantFrom(
      'content-type',
      'Content-Type, X-Token',
      'authorization',
      'x-other',
      '',
    ),
    Accept: fc.constantFrom('text/html,application/xhtml+xml', 'application/json', '*/*'),
  },
  { requiredKeys: [] },
);

const request: fc.Arbitrary<RequestShape> = fc
  .record({
    authorization,
    uri,
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'DELETE'),
    clientIp,
    headers,
  })
  .map(({ authorization: a, ...rest }) => (a === undefined ? rest : { ...rest, authorization: a }));

describe('both engines decide alike on any request (property)', () => {
  it('same status, body and decision headers; nothing of Authorization reaches the origin', async () => {
    const secrets = new FakeSecretVersions({ users: USERS });
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (shape) => {
        const [viaFunction, viaLambda] = [runFunction(fn, shape), await runLambda(SETTINGS, shape, secrets)];
        const label = JSON.stringify(shape);
        expect(viaFunction.status, label).toBe(viaLambda.status);
        expect(viaFunction.body, label).toBe(viaLambda.body);
        for (const name of DECISION_HEADERS)
          expect(viaFunction.headers[name], `${name} for ${label}`).toBe(viaLambda.headers[name]);
        if (viaFunction.status === 200) {
          expect(viaFunction.forwarded?.authorization, label).toBeUndefined();
          expect(viaLambda.forwarded?.authorization, label).toBeUndefined();
        }
        seen.add(viaFunction.status);
      }),
      { numRuns: 1500 },
    );
    // the generators reach every kind of answer, or the property proves little
    expect([...seen].sort()).toEqual([200, 204, 401, 403]);
  });
});
