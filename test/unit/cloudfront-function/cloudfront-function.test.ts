// The CloudFront function, built as it deploys and run in the local runtime,
// decides what the Lambda@Edge engine decides for the same settings and the
// same requests: one decision module, two runtimes.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EdgeAuthConfigInput } from '../../../handlers/edge-auth/config.js';
import { CloudFrontFunction } from '../../../cli/local/cloudfront-functions.js';
import { bundleFunction } from '../../../stacks/function-bundle.js';
import { basic, type RequestShape } from '../../helpers/edge-events.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';
import {
  DECISION_HEADERS,
  functionEvent,
  functionWith as engineFunction,
  published,
  runFunction,
  runLambda as runLambdaWith,
} from '../../helpers/engines.js';

const SETTINGS: EdgeAuthConfigInput = {
  secretId: 'basicauth/test',
  secretRegion: 'us-east-1',
  realm: 'Parity',
  bypassPaths: ['/health', '/public/*'],
  allowCidrs: ['192.0.2.0/24', '2001:db8::/32'],
  cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'] },
  graceSeconds: 60,
};
const USERS = { alice: 'alice-Password-1', bob: 'bob-Password-1' };

let code: string;
beforeAll(async () => {
  code = (await bundleFunction(SETTINGS)).code;
});

const functionWith = (store: Map<string, string>) => engineFunction(code, store);
const runLambda = (shape: RequestShape, secrets: FakeSecretVersions) => runLambdaWith(SETTINGS, shape, secrets);

const REQUESTS: Array<[string, RequestShape]> = [
  ['no credentials', {}],
  ['no credentials, a browser', { headers: { Accept: 'text/html,application/xhtml+xml' } }],
  ['right credentials', { authorization: basic('alice', USERS.alice) }],
  ['second user', { authorization: basic('bob', USERS.bob) }],
  ['wrong password', { authorization: basic('alice', 'nope') }],
  ['unknown user', { authorization: basic('mallory', USERS.alice) }],
  ['another user with the right password', { authorization: basic('bob', USERS.alice) }],
  ['bearer token', { authorization: 'Bearer abc' }],
  ['two headers', { authorization: [basic('alice', USERS.alice), basic('alice', USERS.alice)] }],
  [
    'non-canonical base64',
    { authorization: `Basic ${Buffer.from(`alice:${USERS.alice}`).toString('base64').replace(/=+$/, '')}` },
  ],
  ['no colon', { authorization: `Basic ${Buffer.from('alice').toString('base64')}` }],
  ['bypass path', { uri: '/health' }],
  ['bypass prefix', { uri: '/public/app.css' }],
  ['bypass through a dot segment', { uri: '/public/../admin' }],
  ['bypass through a path parameter', { uri: '/public/..;/admin' }],
  ['bypass through an encoded slash', { uri: '/public%2F..%2Fadmin' }],
  ['allowlisted IPv4', { clientIp: '192.0.2.9' }],
  ['allowlisted IPv6', { clientIp: '2001:db8::7' }],
  ['not allowlisted', { clientIp: '198.51.100.1' }],
  [
    'CORS preflight allowed',
    {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    },
  ],
  [
    'CORS preflight refused',
    { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } },
  ],
];

describe('the CloudFront function decides as the Lambda@Edge engine does', () => {
  const secrets = new FakeSecretVersions({ users: USERS });
  it.each(REQUESTS)('%s', async (_name, shape) => {
    const fn = functionWith(published(USERS));
    const [viaFunction, viaLambda] = [runFunction(fn, shape), await runLambda(shape, secrets)];
    expect(viaFunction.status).toBe(viaLambda.status);
    expect(viaFunction.body).toBe(viaLambda.body);
    expect(viaFunction.forwarded?.authorization).toBe(viaLambda.forwarded?.authorization);
    for (const name of DECISION_HEADERS) {
      expect(viaFunction.headers[name], name).toBe(viaLambda.headers[name]);
    }
  });

  it('strips Authorization before the origin, as the Lambda engine does', () => {
    const fn = functionWith(published(USERS));
    const result = fn.run(functionEvent({ authorization: basic('alice', USERS.alice) })).result as {
      headers: Record<string, unknown>;
    };
    expect(result.headers.authorization).toBeUndefined();
    expect(result.headers.host).toBeDefined();
  });

  // Browsers send Basic credentials with every request to a site once given:
  // a visit to a public path or from an allowlisted network carries the password too.
  it.each<[string, RequestShape & { wrong?: boolean }]>([
    ['a bypass path', { uri: '/public/app.css' }],
    ['an allowlisted client', { clientIp: '192.0.2.9' }],
    ['a bypass path with a wrong password', { uri: '/health', wrong: true }],
  ])('strips Authorization on %s too', async (_name, { wrong, ...shape }) => {
    const request = { ...shape, authorization: basic('alice', wrong ? 'nope' : USERS.alice) };
    const viaFunction = runFunction(functionWith(published(USERS)), request);
    const viaLambda = await runLambda(request, new FakeSecretVersions({ users: USERS }));
    for (const verdict of [viaFunction, viaLambda]) {
      expect(verdict.status).toBe(200);
      expect(verdict.forwarded?.host).toBeDefined();
      expect(verdict.forwarded?.authorization).toBeUndefined();
    }
  });

  it('accepts the replaced password within its grace, and not after', () => {
    const previous = { alice: 'alice-Old-Password', bob: 'bob-Old-Password' };
    expect(
      runFunction(functionWith(published(USERS, previous, Date.now() + 60_000)), {
        authorization: basic('alice', previous.alice),
      }).status,
    ).toBe(200);
    expect(
      runFunction(functionWith(published(USERS, previous, Date.now() - 1)), {
        authorization: basic('alice', previous.alice),
      }).status,
    ).toBe(401);
  });

  it('fails closed: an empty store answers 503 with Retry-After, an unusable entry 401', () => {
    const empty = runFunction(functionWith(new Map()), { authorization: basic('alice', USERS.alice) });
    expect(empty.status).toBe(503);
    expect(empty.headers['retry-after']).toBe('10');
    const broken = published(USERS);
    broken.set('u:alice', 'not json');
    expect(runFunction(functionWith(broken), { authorization: basic('alice', USERS.alice) }).status).toBe(401);
  });

  it('never throws and never lets a malformed Authorization through', () => {
    const fn = functionWith(published(USERS));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        const status = runFunction(fn, { authorization: value }).status;
        return status === 401;
      }),
      { numRuns: 300 },
    );
  });
});

describe('the local CloudFront Functions runtime holds code to the real one', () => {
  const run = (source: string, event: unknown = functionEvent({})) =>
    new CloudFrontFunction(source, undefined, { budgetMs: 50 }).run(event);

  it('refuses modules other than cloudfront and crypto, and code over 10 KB', () => {
    expect(
      () => new CloudFrontFunction("import fs from 'fs'; function handler(e) { return e.request; }", undefined),
    ).toThrow(/"fs" is not available/);
    expect(
      () => new CloudFrontFunction(`function handler(e) { return e.request; } // ${'x'.repeat(10 * 1024)}`, undefined),
    ).toThrow(/10240/);
    expect(() => run("function handler(e) { return require('fs'); }")).toThrow(/Cannot find module 'fs'/);
    const hashed = run(
      "var crypto = require('crypto'); function handler(e) { e.request.headers.h = { value: crypto.createHash('sha256').update('x').digest('hex') }; return e.request; }",
    );
    expect((hashed.result as { headers: Record<string, { value: string }> }).headers.h!.value).toBe(
      '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
    );
  });

  it('has no network, no timers, no process and no eval', () => {
    for (const body of [
      'fetch("http://127.0.0.1/")',
      'setTimeout(function () {}, 1)',
      'process.env',
      'eval("1")',
      'new Function("return 1")()',
    ]) {
      expect(() => run(`function handler(e) { ${body}; return e.request; }`), body).toThrow(
        /FunctionExecutionError|threw/,
      );
    }
  });

  it('stops a function past its compute budget', () => {
    expect(() => run('function handler(e) { for (;;) {} }')).toThrow(/compute budget/);
    expect(() => run('async function handler(e) { await null; for (;;) {} }')).toThrow(/compute budget/);
  });

  it('gives every request a fresh global scope, and checks the shape of what comes back', () => {
    const counter =
      'var n = 0; function handler(e) { n++; e.request.headers["x-n"] = { value: String(n) }; return e.request; }';
    const fn = new CloudFrontFunction(counter, undefined);
    fn.run(functionEvent({}));
    expect(
      (fn.run(functionEvent({})).result as { headers: Record<string, { value: string }> }).headers['x-n']!.value,
    ).toBe('1');
    expect(() => run('function handler(e) { return { statusCode: 200, headers: { a: "b" } }; }')).toThrow(
      /headers.a must be/,
    );
    expect(() => run('function handler(e) { return 42; }')).toThrow(/invalid result/);
    expect(() => run('function nothing(e) { return e.request; }')).toThrow(/no top-level `function handler/);
  });

  it('reads only the store associated with the function', () => {
    const store = {
      id: 'kvs-1',
      get: (k: string) => (k === 'a' ? 'b' : undefined),
      meta: () => ({ creationDateTime: '', lastUpdatedDateTime: '', keyCount: 1 }),
    };
    const read =
      "import cf from 'cloudfront'; async function handler(e) { e.request.headers.v = { value: await cf.kvs().get('a') }; return e.request; }";
    expect(
      (
        new CloudFrontFunction(read, store).run(functionEvent({})).result as {
          headers: Record<string, { value: string }>;
        }
      ).headers.v!.value,
    ).toBe('b');
    expect(() =>
      new CloudFrontFunction(read.replace('cf.kvs()', "cf.kvs('other')"), store).run(functionEvent({})),
    ).toThrow(/not associated/);
    expect(() => new CloudFrontFunction(read, undefined).run(functionEvent({}))).toThrow(/no key value store/);
  });
});

describe("the build holds the source to the runtime's language", () => {
  it('refuses syntax cloudfront-js-2.0 lacks, naming the file', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'cff-'));
    const cases: Array<[string, string]> = [
      [
        'for-of',
        'const a = [1]; for (const x of a) console.log(x); export async function handler(e) { return e.request; }',
      ],
      ['class', 'class A {} export async function handler(e) { return new A(); }'],
      ['destructuring', 'export async function handler({ request }) { return request; }'],
    ];
    for (const [name, source] of cases) {
      const entry = join(dir, `${name}.js`);
      await writeFile(entry, source);
      await expect(bundleFunction(SETTINGS, entry), name).rejects.toThrow(
        /does not build for cloudfront-js-2.0: Transforming/,
      );
    }
  });

  it('fits the function in 10 KB with every setting used', async () => {
    const bundle = await bundleFunction({
      ...SETTINGS,
      accessHint: 'Ask in #staging for access: `basicauth show-creds` prints them for anyone who may read the secret.',
    });
    expect(bundle.bytes).toBeLessThanOrEqual(10 * 1024);
    await expect(
      bundleFunction({
        ...SETTINGS,
        accessHint: 'x'.repeat(1000),
        bypassPaths: Array.from({ length: 40 }, (_, i) => `/a-rather-long-public-path-${i}/*`),
      }),
    ).rejects.toThrow(/CloudFront allows 10240/);
  });
});
