// Bypass tokens at the Lambda@Edge engine, on a fake clock: header, link and
// cookie; expiry, paths, rotation's grace, revocation within the refresh
// floor; nothing of a token reaches the origin or a log line; a token or
// cookie of one site is refused by another.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CloudFrontRequest, CloudFrontResultResponse } from '../../../handlers/edge-auth/cloudfront.js';
import { resolveEdgeAuthConfig } from '../../../handlers/edge-auth/config.js';
import { createEdgeAuth, type EdgeLogEvent } from '../../../handlers/edge-auth/edge-auth.js';
import { formatLogLine } from '../../../handlers/edge-auth/runtime.js';
import { inspect } from 'node:util';
import { cookieValueOf, presentedDigest, TokenTable } from '../../../handlers/edge-auth/token-matcher.js';
import { parseTokens } from '../../../handlers/shared/bypass-tokens.js';
import { BYPASS_COOKIE, COOKIE_LABEL } from '../../../handlers/shared/token-layout.js';
import { tokenCookie } from '../../../handlers/shared/kvs-digests.js';
import { viewerRequest, basic } from '../../helpers/edge-events.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';

const SECOND = 1000;
const DAY = 86_400_000;

function newToken(id = randomBytes(6).toString('hex')): string {
  return `bat_${id}_${randomBytes(32).toString('base64url')}`;
}
const idOf = (token: string) => token.slice(4, 16);

function stored(token: string, extra: Record<string, unknown> = {}, created = '2026-01-01T00:00:00Z') {
  return { id: idOf(token), token, created, ...extra };
}

function setup(tokens: Record<string, unknown>, edge: Record<string, unknown> = {}) {
  const secrets = new FakeSecretVersions({ username: 'admin', password: 'first-Password-1', bypassTokens: tokens });
  const logs: EdgeLogEvent[] = [];
  const auth = createEdgeAuth(
    resolveEdgeAuthConfig({ secretId: 'basicauth/test', secretRegion: 'eu-west-1', ...edge }),
    { fetchVersion: secrets.fetch, lastRotated: secrets.lastRotated, now: secrets.clock, log: (e) => logs.push(e) },
  );
  const send = async (
    shape: { headers?: Record<string, string>; uri?: string; querystring?: string; authorization?: string } = {},
  ) => {
    const event = viewerRequest(shape);
    if (shape.querystring !== undefined) event.Records[0]!.cf.request.querystring = shape.querystring;
    return auth.handle(event);
  };
  const status = async (shape: Parameters<typeof send>[0] = {}) => {
    const result = await send(shape);
    return 'status' in result ? Number(result.status) : 200;
  };
  const lines = () => logs.filter((l) => l.event === 'decision').map((l) => formatLogLine(l));
  return { secrets, auth, logs, send, status, lines };
}

describe('bypass tokens (Lambda@Edge engine)', () => {
  it('lets a request with the token header through without Basic credentials, and strips the header on the way', async () => {
    const token = newToken();
    const { send, lines } = setup({ monitor: stored(token) });
    const forwarded = (await send({ headers: { 'x-basicauth-bypass': token }, uri: '/status' })) as CloudFrontRequest;
    expect(forwarded.uri).toBe('/status');
    expect(forwarded.headers['x-basicauth-bypass']).toBeUndefined();
    expect(lines().at(-1)).toContain('"reason":"token","token":"monitor"');
    expect(lines().join('\n')).not.toContain(token);
  });

  it('refuses a made-up, malformed, doubled or truncated token with the challenge', async () => {
    const token = newToken();
    const { status, logs } = setup({ monitor: stored(token) });
    expect(await status({ headers: { 'x-basicauth-bypass': newToken() } })).toBe(401);
    expect(await status({ headers: { 'x-basicauth-bypass': newToken(idOf(token)) } })).toBe(401); // right id, wrong secret
    expect(await status({ headers: { 'x-basicauth-bypass': token.slice(0, -1) } })).toBe(401);
    expect(await status({ headers: { 'x-basicauth-bypass': `${token} ` } })).toBe(401);
    expect(await status({ headers: { 'x-basicauth-bypass': '' } })).toBe(401);
    const reasons = logs.flatMap((l) => (l.event === 'decision' ? [l.reason] : []));
    expect(reasons).toEqual(['wrong-token', 'wrong-token', 'malformed-token', 'malformed-token', 'malformed-token']);
  });

  it('answers the link with a redirect without the token and a __Host- cookie; the cookie is accepted and never reaches the origin', async () => {
    const token = newToken();
    const { send, status } = setup({ ci: stored(token) });
    const redirect = (await send({
      uri: '/docs/a',
      querystring: `v=2&x-basicauth-bypass=${token}&q=x%20y`,
    })) as CloudFrontResultResponse;
    expect(redirect.status).toBe('302');
    expect(redirect.headers.location?.[0]?.value).toBe('/docs/a?v=2&q=x%20y');
    const cookie = redirect.headers['set-cookie']?.[0]?.value as string;
    expect(cookie).toMatch(
      /^__Host-basicauth-bypass=[0-9a-f]{12}\.[0-9a-f]{32}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(cookie).not.toContain(token);
    expect(redirect.headers['cache-control']?.[0]?.value).toBe('no-store');
    expect(redirect.headers['x-robots-tag']?.[0]?.value).toBe('noindex, nofollow');

    const pair = cookie.split(';')[0] as string;
    const forwarded = (await send({ headers: { cookie: `theme=dark; ${pair}; lang=en` } })) as CloudFrontRequest;
    expect(forwarded.headers.cookie).toEqual([{ key: 'cookie', value: 'theme=dark; lang=en' }]);
    const alone = (await send({ headers: { cookie: pair } })) as CloudFrontRequest;
    expect(alone.headers.cookie).toBeUndefined();
    // the cookie is not a token, nor the token a cookie
    expect(await status({ headers: { 'x-basicauth-bypass': pair.split('=')[1] as string } })).toBe(401);
    expect(await status({ headers: { cookie: `${BYPASS_COOKIE}=${token}` } })).toBe(401);
  });

  it('never redirects to another host: a path a browser reads as one goes to /', async () => {
    const token = newToken();
    const { send } = setup({ ci: stored(token) });
    for (const uri of ['//evil.example/x', '/\\evil.example']) {
      const r = (await send({ uri, querystring: `x-basicauth-bypass=${token}&a=1` })) as CloudFrontResultResponse;
      expect(r.status).toBe('302');
      expect(r.headers.location?.[0]?.value).toBe('/?a=1');
    }
  });

  it('computes the cookie as the key value store publisher does (HMAC-SHA256 keyed by the token)', () => {
    const token = newToken();
    const expected = `${idOf(token)}.${createHmac('sha256', token).update(COOKIE_LABEL).digest('hex').slice(0, 32)}`;
    expect(cookieValueOf(idOf(token), token)).toBe(expected);
    expect(tokenCookie(idOf(token), token)).toBe(expected);
  });

  it('honours expiry on the fake clock: header and cookie refused once the token has expired', async () => {
    const token = newToken();
    const { secrets, send, status, logs } = setup({ ci: stored(token, { expires: '2026-01-03T00:00:00Z' }) });
    const redirect = (await send({ querystring: `x-basicauth-bypass=${token}` })) as CloudFrontResultResponse;
    const cookie = String(redirect.headers['set-cookie']?.[0]?.value).split(';')[0] as string;
    // the cookie lives no longer than the token
    expect(redirect.headers['set-cookie']?.[0]?.value).toContain(`Max-Age=${2 * 86_400}`);
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(200);
    secrets.advance(2 * DAY);
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(401);
    expect(await status({ headers: { cookie } })).toBe(401);
    const last = logs.filter((l) => l.event === 'decision').at(-2);
    expect(last).toMatchObject({ reason: 'expired-token', token: 'ci' });
  });

  it('keeps a token to its paths, with the bypass rules of canonical paths', async () => {
    const token = newToken();
    const { status } = setup({ api: stored(token, { paths: ['/api/*'] }) });
    const h = { 'x-basicauth-bypass': token };
    expect(await status({ headers: h, uri: '/api/users' })).toBe(200);
    expect(await status({ headers: h, uri: '/admin' })).toBe(401);
    expect(await status({ headers: h, uri: '/api/../admin' })).toBe(401);
    expect(await status({ headers: h, uri: '/api/%2e%2e/admin' })).toBe(401);
  });

  it('refuses a revoked token, header and cookie, once the refresh floor has passed, not a TTL later', async () => {
    const token = newToken();
    const { secrets, send, status } = setup(
      { ci: stored(token) },
      { cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 },
    );
    const redirect = (await send({ querystring: `x-basicauth-bypass=${token}` })) as CloudFrontResultResponse;
    const cookie = String(redirect.headers['set-cookie']?.[0]?.value).split(';')[0] as string;
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(200);
    secrets.changeUsers({ username: 'admin', password: 'first-Password-1' }); // tokens revoke ci
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(200); // within the floor
    secrets.advance(1 * SECOND);
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(401);
    expect(await status({ headers: { cookie } })).toBe(401);
    // and a steady stream of token requests costs one read per floor, not one per request
    const reads = secrets.reads().length;
    for (let i = 0; i < 50; i++) await status({ headers: { 'x-basicauth-bypass': token } });
    expect(secrets.reads().length - reads).toBeLessThanOrEqual(1);
  });

  it('a rotated token: the replaced value works until its grace ends, then only the new one', async () => {
    const old = newToken();
    const fresh = newToken(idOf(old));
    const { secrets, status, logs } = setup({
      ci: stored(fresh, { previous: { token: old, until: '2026-01-01T01:00:00Z' } }),
    });
    expect(await status({ headers: { 'x-basicauth-bypass': fresh } })).toBe(200);
    expect(await status({ headers: { 'x-basicauth-bypass': old } })).toBe(200);
    expect(logs.filter((l) => l.event === 'decision').at(-1)).toMatchObject({ reason: 'previous-token', token: 'ci' });
    secrets.advance(3600 * SECOND);
    expect(await status({ headers: { 'x-basicauth-bypass': old } })).toBe(401);
    expect(await status({ headers: { 'x-basicauth-bypass': fresh } })).toBe(200);
  });

  it("refuses another site's token and cookie: same engine code, another secret", async () => {
    const a = newToken();
    const b = newToken();
    const siteA = setup({ ci: stored(a) });
    const siteB = setup({ ci: stored(b) });
    const redirect = (await siteA.send({ querystring: `x-basicauth-bypass=${a}` })) as CloudFrontResultResponse;
    const cookie = String(redirect.headers['set-cookie']?.[0]?.value).split(';')[0] as string;
    expect(await siteA.status({ headers: { cookie } })).toBe(200);
    expect(await siteB.status({ headers: { 'x-basicauth-bypass': a } })).toBe(401);
    expect(await siteB.status({ headers: { cookie } })).toBe(401);
    expect(await siteB.status({ querystring: `x-basicauth-bypass=${a}` })).toBe(401);
  });

  it('a Basic password still works beside tokens, and a broken token entry costs nobody their password', async () => {
    const token = newToken();
    const { status } = setup({ ci: stored(token), broken: { id: 'zz', token: 'nope' }, also: 'not an object' });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(await status({ headers: { 'x-basicauth-bypass': token } })).toBe(200);
  });

  it('keeps a token only as keyed digests: the table holds no token value', () => {
    const token = newToken();
    const previous = newToken(idOf(token));
    const table = new TokenTable(
      parseTokens({
        bypassTokens: { ci: stored(token, { previous: { token: previous, until: '2027-01-01T00:00:00Z' } }) },
      }),
    );
    const dump = inspect(table, { depth: 10, showHidden: true, maxArrayLength: 1000 });
    expect(dump).not.toContain(token.slice(17));
    expect(dump).not.toContain(previous.slice(17));
    expect(table.check(idOf(token), presentedDigest(token, 'header'), 'header', '/', 0)).toMatchObject({
      ok: true,
      previous: false,
    });
    expect(table.check(idOf(token), presentedDigest(previous, 'header'), 'header', '/', 0)).toMatchObject({
      ok: true,
      previous: true,
    });
  });
});
