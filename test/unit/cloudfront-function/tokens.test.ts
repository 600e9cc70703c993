// Bypass tokens at the CloudFront Functions engine: the function built as it
// deploys, run in the local runtime against the store the publisher writes
// (salted digests under t:<id>), decides as the Lambda@Edge engine does for
// header, link and cookie; expiry, paths and grace come from the entry;
// another site's store refuses; an entry fits a key value store value.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudFrontFunction } from '../../../cli/local/cloudfront-functions.js';
import { functionEvent as edgeEvent, responseFromFunction } from '../../../cli/local/function-event.js';
import { parseTokens } from '../../../handlers/shared/bypass-tokens.js';
import { planDigests, TOKEN_KEY_PREFIX, tokenEntry } from '../../../handlers/shared/kvs-digests.js';
import { bundleFunction } from '../../../stacks/function-bundle.js';
import { STORE_VALUE_LIMIT } from '../../../cli/ops/tokens.js';
import { functionWith } from '../../helpers/engines.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';
import { createEdgeAuth } from '../../../handlers/edge-auth/edge-auth.js';
import { resolveEdgeAuthConfig } from '../../../handlers/edge-auth/config.js';
import { viewerRequest } from '../../helpers/edge-events.js';

const newToken = (id = randomBytes(6).toString('hex')) => `bat_${id}_${randomBytes(32).toString('base64url')}`;
const idOf = (token: string) => token.slice(4, 16);
const SETTINGS = { secretId: 'basicauth/test', secretRegion: 'us-east-1' };

let code: string;
beforeAll(async () => {
  code = (await bundleFunction(SETTINGS)).code;
});

/** The store the publisher writes for a secret value holding these tokens. */
function storeFor(tokens: Record<string, unknown>, now = Date.now()): Map<string, string> {
  const raw = { username: 'admin', password: 'first-Password-1', bypassTokens: tokens };
  const plan = planDigests({
    current: { versionId: 'v1', users: new Map([['admin', 'first-Password-1']]), tokens: parseTokens(raw) },
    existing: new Map(),
    now,
  });
  return new Map(plan.puts.map((p) => [p.Key, p.Value]));
}

interface Sent {
  status: number;
  headers: Array<[string, string]>;
  /** the request on to the origin, when let through */
  forwarded?: {
    headers: Record<string, unknown>;
    cookies: Record<string, unknown>;
    querystring: Record<string, unknown>;
  };
  log: Record<string, unknown>;
}

function send(
  fn: CloudFrontFunction,
  r: { uri?: string; querystring?: string; headers?: Record<string, string> },
): Sent {
  const headers: Record<string, Array<{ value: string }>> = { host: [{ value: 'd111111abcdef8.cloudfront.net' }] };
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = [{ value: v }];
  const run = fn.run(
    edgeEvent(
      { clientIp: '203.0.113.9', method: 'GET', uri: r.uri ?? '/', querystring: r.querystring ?? '', headers },
      { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'E1', requestId: 'r' },
    ),
  );
  const log = JSON.parse(run.logs.at(-1) ?? '{}') as Record<string, unknown>;
  const result = run.result as Record<string, unknown>;
  if (!('statusCode' in result)) return { status: 200, headers: [], forwarded: result as Sent['forwarded'], log };
  const answer = responseFromFunction(result);
  return { status: answer.status, headers: answer.headers, log };
}
const header = (s: Sent, name: string) => s.headers.find(([k]) => k.toLowerCase() === name)?.[1];

describe('bypass tokens (CloudFront Functions engine)', () => {
  it('header, link and cookie as the Lambda@Edge engine answers them; nothing of the token goes on', async () => {
    const token = newToken();
    const fn = functionWith(code, storeFor({ ci: { id: idOf(token), token, created: '2026-01-01T00:00:00Z' } }));
    const viaHeader = send(fn, { headers: { 'x-basicauth-bypass': token } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.forwarded?.headers['x-basicauth-bypass']).toBeUndefined();
    expect(viaHeader.log).toMatchObject({ outcome: 'allowed', reason: 'token', token: 'ci' });

    const link = send(fn, { uri: '/docs/a', querystring: `v=2&x-basicauth-bypass=${token}` });
    expect(link.status).toBe(302);
    expect(header(link, 'location')).toBe('/docs/a?v=2');
    const cookie = header(link, 'set-cookie') as string;
    expect(cookie).toMatch(
      /^__Host-basicauth-bypass=[0-9a-f]{12}\.[0-9a-f]{32}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(header(link, 'x-robots-tag')).toBe('noindex, nofollow');

    // the Lambda@Edge engine sets the same cookie for the same token
    const secrets = new FakeSecretVersions({
      username: 'admin',
      password: 'first-Password-1',
      bypassTokens: { ci: { id: idOf(token), token, created: '2026-01-01T00:00:00Z' } },
    });
    const lambda = createEdgeAuth(resolveEdgeAuthConfig(SETTINGS), { fetchVersion: secrets.fetch, now: secrets.clock });
    const event = viewerRequest({ uri: '/docs/a' });
    event.Records[0]!.cf.request.querystring = `v=2&x-basicauth-bypass=${token}`;
    const viaLambda = (await lambda.handle(event)) as { headers: Record<string, Array<{ value: string }>> };
    expect(viaLambda.headers['set-cookie']?.[0]?.value.split(';')[0]).toBe(cookie.split(';')[0]);

    const pair = cookie.split(';')[0] as string;
    const viaCookie = send(fn, { headers: { cookie: `theme=dark; ${pair}` } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.forwarded?.cookies).toEqual({ theme: { value: 'dark' } });
    expect(viaCookie.log).toMatchObject({ reason: 'token-cookie', token: 'ci' });
    expect(JSON.stringify([viaHeader.log, link.log, viaCookie.log])).not.toContain(token);
  });

  it('never redirects to another host: a path a browser reads as one goes to /', () => {
    const token = newToken();
    const fn = functionWith(code, storeFor({ ci: { id: idOf(token), token, created: '2026-01-01T00:00:00Z' } }));
    const link = send(fn, { uri: '//evil.example/x', querystring: `x-basicauth-bypass=${token}&a=1` });
    expect(link.status).toBe(302);
    expect(header(link, 'location')).toBe('/?a=1');
  });

  it('refuses a made-up token, a wrong secret for a known id, a malformed one, and the cookie as a token', () => {
    const token = newToken();
    const fn = functionWith(code, storeFor({ ci: { id: idOf(token), token, created: '2026-01-01T00:00:00Z' } }));
    const link = send(fn, { querystring: `x-basicauth-bypass=${token}` });
    const cookieValue = (header(link, 'set-cookie') as string).split(';')[0]!.split('=')[1] as string;
    for (const [value, reason] of [
      [newToken(), 'wrong-token'],
      [newToken(idOf(token)), 'wrong-token'],
      [token.slice(1), 'malformed-token'],
      [cookieValue, 'malformed-token'],
    ] as const) {
      const r = send(fn, { headers: { 'x-basicauth-bypass': value } });
      expect(r.status).toBe(401);
      expect(r.log.reason).toBe(reason);
    }
  });

  it('honours expiry, paths and the grace of a replaced value, as the entry says', () => {
    const expired = newToken();
    const api = newToken();
    const fresh = newToken();
    const old = newToken(idOf(fresh));
    const stale = newToken(idOf(fresh));
    const now = Date.now();
    const fn = functionWith(
      code,
      storeFor(
        {
          gone: {
            id: idOf(expired),
            token: expired,
            created: '2026-01-01T00:00:00Z',
            expires: new Date(now - 1).toISOString(),
          },
          api: { id: idOf(api), token: api, created: '2026-01-01T00:00:00Z', paths: ['/api/*'] },
          ci: {
            id: idOf(fresh),
            token: fresh,
            created: '2026-01-01T00:00:00Z',
            previous: { token: old, until: new Date(now + 60_000).toISOString() },
          },
        },
        now - 10,
      ),
    );
    expect(send(fn, { headers: { 'x-basicauth-bypass': expired } })).toMatchObject({
      status: 401,
      log: { reason: 'expired-token' },
    });
    expect(send(fn, { uri: '/api/x', headers: { 'x-basicauth-bypass': api } }).status).toBe(200);
    expect(send(fn, { uri: '/admin', headers: { 'x-basicauth-bypass': api } })).toMatchObject({
      status: 401,
      log: { reason: 'token-path' },
    });
    expect(send(fn, { uri: '/api/../admin', headers: { 'x-basicauth-bypass': api } }).status).toBe(401);
    expect(send(fn, { headers: { 'x-basicauth-bypass': old } })).toMatchObject({
      status: 200,
      log: { reason: 'previous-token' },
    });
    expect(send(fn, { headers: { 'x-basicauth-bypass': stale } }).status).toBe(401);
  });

  it("refuses another site's token and cookie: same function code, another store", () => {
    const a = newToken();
    const b = newToken();
    const siteA = functionWith(code, storeFor({ ci: { id: idOf(a), token: a, created: '2026-01-01T00:00:00Z' } }));
    const siteB = functionWith(code, storeFor({ ci: { id: idOf(b), token: b, created: '2026-01-01T00:00:00Z' } }));
    const cookie = (header(send(siteA, { querystring: `x-basicauth-bypass=${a}` }), 'set-cookie') as string).split(
      ';',
    )[0] as string;
    expect(send(siteA, { headers: { cookie } }).status).toBe(200);
    expect(send(siteB, { headers: { cookie } }).status).toBe(401);
    expect(send(siteB, { headers: { 'x-basicauth-bypass': a } }).status).toBe(401);
  });

  it('stores no token: only salted digests, in a value within the 1 KB a key value store takes', () => {
    const token = newToken();
    const paths = Array.from({ length: 8 }, (_, i) => `/${String(i).repeat(99)}`);
    const store = storeFor({ ['x'.repeat(64)]: { id: idOf(token), token, created: '2026-01-01T00:00:00Z', paths } });
    const entry = store.get(`${TOKEN_KEY_PREFIX}${idOf(token)}`) as string;
    expect(entry).toBeDefined();
    expect([...store.values()].join('\n')).not.toContain(token.slice(17));
    // the longest name and the most paths tokens create allows: fits only with fewer or shorter paths
    const big = parseTokens({
      bypassTokens: { ['x'.repeat(64)]: { id: idOf(token), token, created: '2026-01-01T00:00:00Z', paths } },
    });
    const bytes = Buffer.byteLength(JSON.stringify(tokenEntry([...big.values()][0]!, '0'.repeat(32), Date.now())));
    expect(bytes).toBeGreaterThan(STORE_VALUE_LIMIT); // which `tokens create` refuses (test/unit/ops)
    const small = parseTokens({
      bypassTokens: {
        ['x'.repeat(64)]: {
          id: idOf(token),
          token,
          previous: { token: newToken(idOf(token)), until: '2099-01-01T00:00:00Z' },
          created: '2026-01-01T00:00:00Z',
          paths: ['/api/*', '/health'],
        },
      },
    });
    expect(
      Buffer.byteLength(JSON.stringify(tokenEntry([...small.values()][0]!, '0'.repeat(32), Date.now()))),
    ).toBeLessThan(STORE_VALUE_LIMIT);
  });
});
