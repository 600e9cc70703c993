import { describe, expect, it, vi } from 'vitest';
import { resolveEdgeAuthConfig, type EdgeAuthConfigInput } from '../../../handlers/edge-auth/config.js';
import { createEdgeAuth, type EdgeLogEvent } from '../../../handlers/edge-auth/edge-auth.js';
import type { CloudFrontRequest, CloudFrontResultResponse } from '../../../handlers/edge-auth/cloudfront.js';
import type { Deadline } from '../../../handlers/edge-auth/deadline.js';
import { basic, viewerRequest, type RequestShape } from '../../helpers/edge-events.js';
import { FakeSecretVersions } from '../../helpers/fake-secret-versions.js';
import { DEFAULT_ACCESS_HINT } from '../../../handlers/shared/pages.js';

const SECOND = 1000;

function setup(
  config: Partial<EdgeAuthConfigInput> = {},
  initial: Record<string, unknown> | null = { username: 'admin', password: 'first-Password-1' },
) {
  const secrets = new FakeSecretVersions(initial ?? undefined);
  const logs: EdgeLogEvent[] = [];
  const edge = createEdgeAuth(
    resolveEdgeAuthConfig({ secretId: 'basicauth/test', secretRegion: 'eu-west-1', realm: 'Staging', ...config }),
    {
      fetchVersion: secrets.fetch,
      lastRotated: secrets.lastRotated,
      now: secrets.clock,
      log: (e) => logs.push(e),
    },
  );
  const status = async (shape: RequestShape) => {
    const result = await edge.handle(viewerRequest(shape));
    return 'status' in result ? Number(result.status) : 200;
  };
  return { secrets, edge, logs, status };
}

describe('edge-auth decisions', () => {
  it('lets the right credential through and forwards the request without Authorization', async () => {
    const { edge } = setup();
    const result = (await edge.handle(
      viewerRequest({ authorization: basic('admin', 'first-Password-1'), uri: '/page' }),
    )) as CloudFrontRequest;
    expect(result.uri).toBe('/page');
    expect(result.headers.authorization).toBeUndefined();
    expect(result.headers.host?.[0]?.value).toBe('d111111abcdef8.cloudfront.net');
  });

  it('keeps the Authorization header when stripAuthorization is off', async () => {
    const { edge } = setup({ stripAuthorization: false });
    const result = (await edge.handle(
      viewerRequest({ authorization: basic('admin', 'first-Password-1') }),
    )) as CloudFrontRequest;
    expect(result.headers.authorization?.[0]?.value).toBe(basic('admin', 'first-Password-1'));
  });

  it('answers 401 with a realm, UTF-8 charset and no-store, without fetching for a missing header', async () => {
    const { edge, secrets } = setup();
    const result = (await edge.handle(viewerRequest())) as CloudFrontResultResponse;
    expect(result.status).toBe('401');
    expect(result.headers['www-authenticate']).toEqual([
      { key: 'WWW-Authenticate', value: 'Basic realm="Staging", charset="UTF-8"' },
    ]);
    expect(result.headers['cache-control']).toEqual([{ key: 'Cache-Control', value: 'no-store' }]);
    expect(result.body).toBe(`401 Unauthorized: this site is protected. ${DEFAULT_ACCESS_HINT.replace(/`/g, '')}\n`);
    expect(result.headers['content-type']?.[0]?.value).toBe('text/plain; charset=utf-8');
    expect(secrets.calls).toEqual([]);
  });

  it('shows a browser a page that says how to get access, in the configured words, and nothing an attacker can use', async () => {
    const { edge } = setup({
      realm: 'Staging',
      accessHint: 'Ask <Ops> in #help, then run `basicauth show-creds --user you`.',
    });
    const browser = (await edge.handle(
      viewerRequest({ headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } }),
    )) as CloudFrontResultResponse;
    expect(browser.status).toBe('401');
    expect(browser.headers['content-type']?.[0]?.value).toBe('text/html; charset=utf-8');
    expect(browser.headers['www-authenticate']?.[0]?.value).toBe('Basic realm="Staging", charset="UTF-8"');
    expect(browser.headers['content-security-policy']?.[0]?.value).toMatch(/default-src 'none'/);
    expect(browser.headers['x-content-type-options']?.[0]?.value).toBe('nosniff');
    expect(browser.body).toContain('<h1>This site is protected</h1>');
    expect(browser.body).toContain(
      'Ask &#60;Ops&#62; in #help, then run <code>basicauth show-creds --user you</code>.',
    ); // escaped, code spans kept
    expect(browser.body).not.toMatch(/<script|basicauth\/test|eu-west-1|version|\d{4}-\d{2}-\d{2}/i); // no secret name, region, version or date
    expect(Buffer.byteLength(browser.body)).toBeLessThan(40 * 1024); // CloudFront's limit for generated responses
    const defaults = (await setup().edge.handle(
      viewerRequest({ headers: { Accept: 'text/html' } }),
    )) as CloudFrontResultResponse;
    expect(defaults.body).toContain('<code>basicauth show-creds</code>');
  });

  it('refuses an access hint with control characters or over 1000 characters (the field named)', () => {
    expect(() => setup({ accessHint: 'line\nbreak' })).toThrow(/accessHint/);
    expect(() => setup({ accessHint: 'x'.repeat(1001) })).toThrow(/accessHint/);
  });

  it('refuses a wrong password, a wrong user and a right password for another user', async () => {
    const { status } = setup({}, { users: { alice: 'alice-Password-1', bob: 'bob-Password-22' } });
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(200);
    expect(await status({ authorization: basic('bob', 'bob-Password-22') })).toBe(200);
    expect(await status({ authorization: basic('alice', 'bob-Password-22') })).toBe(401);
    expect(await status({ authorization: basic('carol', 'alice-Password-1') })).toBe(401);
    expect(await status({ authorization: basic('alice', 'alice-Password-') })).toBe(401);
    expect(await status({ authorization: basic('alice', 'alice-Password-11') })).toBe(401);
  });

  it('accepts passwords that contain colons', async () => {
    const { status } = setup({}, { username: 'admin', password: 'a:b:c' });
    expect(await status({ authorization: basic('admin', 'a:b:c') })).toBe(200);
    expect(await status({ authorization: basic('admin:a', 'b:c') })).toBe(200); // same bytes on the wire
    expect(await status({ authorization: basic('admin', 'a:b') })).toBe(401);
  });

  it('treats malformed events as 401, never as a crash', async () => {
    const { edge } = setup();
    for (const event of [
      undefined,
      {},
      { Records: [] },
      { Records: [{ cf: {} }] },
      { Records: [{ cf: { request: { headers: null } } }] },
    ]) {
      const result = (await edge.handle(event as never)) as CloudFrontResultResponse;
      expect(result.status).toBe('401');
    }
  });
});

describe('edge-auth cache', () => {
  it('fetches once per TTL while credentials keep matching', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 60 });
    for (let i = 0; i < 5; i++) expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(secrets.calls).toEqual(['AWSCURRENT']);
    secrets.advance(60 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(secrets.calls).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('runs one fetch for concurrent cold requests', async () => {
    const { status, secrets } = setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => status({ authorization: basic('admin', 'first-Password-1') })),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    expect(secrets.calls).toEqual(['AWSCURRENT']);
  });

  it('accepts a freshly rotated password at once (refresh-on-miss)', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 5 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(10 * SECOND);
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
    // the refetch also taught the cache that the old one is gone (grace 0)
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(401);
  });

  it('never refetches for a credential that already failed against this version, however often it repeats', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(2 * SECOND);
    for (let i = 0; i < 500; i++) {
      expect(await status({ authorization: basic('admin', 'stale-browser-password') })).toBe(401);
      secrets.advance(100);
    }
    // the first miss refetched and confirmed the failure; the 499 repeats cost nothing
    expect(secrets.calls).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('costs at most one fetch per second under a flood of distinct wrong passwords, then backs off to one per 8 s', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    const fetchedAt: number[] = [];
    const start = secrets.now;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 50; i++) {
        const before = secrets.calls.length;
        expect(await status({ authorization: basic('admin', `guess-${second}-${i}`) })).toBe(401);
        if (secrets.calls.length > before) fetchedAt.push(secrets.now - start);
        secrets.advance(20);
      }
    }
    const gaps = fetchedAt.slice(1).map((t, i) => t - fetchedAt[i]!);
    // never more than one a second; three at the plain floor, then 2 s, 4 s, and 8 s from there on
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(gaps.slice(0, 5)).toEqual([1000, 1000, 2000, 4000, 8000]);
    expect(gaps.slice(5).every((g) => g === 8000)).toBe(true);
    expect(fetchedAt.length).toBeLessThanOrEqual(14);
  });

  it('takes a new password that comes back within the plain floor even while a guessing flood has backed off, and at once after it', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    for (let i = 0; i < 1500; i++) {
      await status({ authorization: basic('admin', `guess-${i}`) });
      secrets.advance(20); // 30 s of 50 distinct guesses a second
    }
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    const rotatedAt = secrets.now;
    let acceptedAt: number | undefined;
    for (let i = 0; acceptedAt === undefined; i++) {
      await status({ authorization: basic('admin', `guess-after-${i}`) });
      if ((await status({ authorization: basic('admin', 'second-Password-2') })) === 200) acceptedAt = secrets.now;
      secrets.advance(20);
    }
    // the first try waits out the back-off; the second, 20 ms later, keeps the 1 s floor
    expect(acceptedAt - rotatedAt).toBeLessThanOrEqual(1000 + 20);
    // the new version reset the back-off: the next rotation, with the flood over, is taken at once
    secrets.advance(20 * SECOND);
    secrets.rotate({ username: 'admin', password: 'third-Password-3' });
    expect(await status({ authorization: basic('admin', 'third-Password-3') })).toBe(200);
  });

  it('never backs off for occasional typos', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    for (let i = 0; i < 20; i++) {
      secrets.advance(3 * SECOND);
      expect(await status({ authorization: basic('admin', `typo-${i}`) })).toBe(401);
    }
    expect(secrets.calls.length).toBe(21); // every typo refetched: none was a flood
    secrets.advance(1 * SECOND);
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
  });

  it('still takes a new password within the refresh floor while a flood repeats a failed one', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 300, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(2 * SECOND);
    expect(await status({ authorization: basic('admin', 'stale') })).toBe(401); // refetched, remembered
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    const rotatedAt = secrets.now;
    let acceptedAt: number | undefined;
    while (acceptedAt === undefined) {
      for (let i = 0; i < 10; i++) expect(await status({ authorization: basic('admin', 'stale') })).toBe(401);
      if ((await status({ authorization: basic('admin', 'second-Password-2') })) === 200) acceptedAt = secrets.now;
      secrets.advance(50);
    }
    expect(acceptedAt - rotatedAt).toBeLessThanOrEqual(1000);
  });

  it('forgets the failed credentials on a new version and on a TTL refresh', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 60, refreshMinIntervalSeconds: 1 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(2 * SECOND);
    expect(await status({ authorization: basic('admin', 'later-Password-3') })).toBe(401); // fails, remembered
    secrets.advance(60 * SECOND); // TTL refresh: forgotten
    secrets.changeUsers({ username: 'admin', password: 'later-Password-3' });
    secrets.advance(2 * SECOND);
    // the TTL refresh (at the next request) learnt nothing new yet, but the remembered failure is gone: the miss refetches
    expect(await status({ authorization: basic('admin', 'later-Password-3') })).toBe(200);
  });

  it('does not refetch on a miss when the last attempt is younger than the floor', async () => {
    const { status, secrets } = setup({ refreshMinIntervalSeconds: 5 });
    expect(await status({ authorization: basic('admin', 'wrong-one') })).toBe(401);
    expect(await status({ authorization: basic('admin', 'wrong-two') })).toBe(401);
    expect(secrets.calls).toEqual(['AWSCURRENT']);
  });

  it('refuses a refresh floor below 1 s', () => {
    expect(() =>
      resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'eu-west-1', refreshMinIntervalSeconds: 0 }),
    ).toThrow(/refreshMinIntervalSeconds is 0: expected a whole number from 1 to 3600/);
  });

  it('keeps the old password working until the TTL when it is not refetched (no grace)', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 60 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    secrets.advance(30 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(30 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(401);
  });
});

describe('edge-auth when Secrets Manager fails', () => {
  it('answers 503 with Retry-After when nothing is known, never 200', async () => {
    const { edge, secrets, logs } = setup({ retryAfterSeconds: 7 });
    secrets.failing = true;
    const result = (await edge.handle(
      viewerRequest({ authorization: basic('admin', 'first-Password-1') }),
    )) as CloudFrontResultResponse;
    expect(result.status).toBe('503');
    expect(result.headers['retry-after']).toEqual([{ key: 'Retry-After', value: '7' }]);
    expect(result.headers['cache-control']?.[0]?.value).toBe('no-store');
    expect(logs.map((l) => l.event)).toEqual(['secret.fetch-failed', 'decision']);
    expect(logs[1]).toMatchObject({
      outcome: 'unavailable',
      reason: 'no-credential-known',
      status: 503,
      user: 'admin',
    });
  });

  it('answers 503 when the secret has no AWSCURRENT version yet', async () => {
    const { status } = setup({}, null);
    expect(await status({ authorization: basic('admin', 'anything') })).toBe(503);
  });

  it('serves from the stale cache for a bounded time, then fails closed', async () => {
    const { status, secrets, logs } = setup({
      cacheTtlSeconds: 60,
      staleIfErrorSeconds: 120,
      refreshMinIntervalSeconds: 5,
    });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.failing = true;
    secrets.advance(61 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(await status({ authorization: basic('admin', 'wrong') })).toBe(401);
    expect(logs.some((l) => l.event === 'secret.stale')).toBe(true);
    secrets.advance(120 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(503);
    expect(logs.some((l) => l.event === 'secret.expired')).toBe(true);
    secrets.failing = false;
    secrets.advance(5 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
  });

  it('retries a failing Secrets Manager at most once per interval', async () => {
    const { status, secrets } = setup({ refreshMinIntervalSeconds: 5 });
    secrets.failing = true;
    for (let i = 0; i < 20; i++) expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(503);
    expect(secrets.calls.length).toBe(1);
    secrets.advance(5 * SECOND);
    await status({ authorization: basic('admin', 'first-Password-1') });
    expect(secrets.calls.length).toBe(2);
  });

  it('prefetches at init: the first request uses that load, and a failed prefetch does not hold it back', async () => {
    const ok = setup();
    ok.edge.prefetch();
    ok.edge.prefetch(); // one load, however often asked
    expect(ok.secrets.calls).toEqual(['AWSCURRENT']);
    expect(await ok.status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(ok.secrets.calls).toEqual(['AWSCURRENT']);

    const down = setup({ refreshMinIntervalSeconds: 5 });
    down.secrets.failing = true;
    down.edge.prefetch();
    await new Promise((resolve) => setImmediate(resolve));
    down.secrets.failing = false;
    expect(await down.status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(down.secrets.calls).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('treats an unparseable secret value like a failed fetch and logs no value', async () => {
    const { status, logs } = setup({}, { username: 'admin', password: '' });
    expect(await status({ authorization: basic('admin', '') })).toBe(503);
    const failure = logs.find((l) => l.event === 'secret.fetch-failed');
    expect(failure && 'error' in failure && failure.error).toMatch(/password must be a non-empty string/);
  });
});

describe('edge-auth grace period for the previous password', () => {
  it('accepts the previous password only within the grace period after the rotation finished', async () => {
    const { status, secrets } = setup({ graceSeconds: 120, cacheTtlSeconds: 30 });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(60 * SECOND);
    // a rotation whose new version was created an hour before it finished (stuck, then recovered): grace runs from the finish
    secrets.rotate({ username: 'admin', password: 'second-Password-2' }, { createdAgoMs: 3600 * SECOND });
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(119 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.advance(2 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(401);
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
  });

  it('never accepts the previous password by default', async () => {
    const { status, secrets } = setup({ cacheTtlSeconds: 30 });
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(401);
    expect(secrets.calls).not.toContain('AWSPREVIOUS');
  });

  it('does not read AWSPREVIOUS once the grace period is over', async () => {
    const { status, secrets } = setup({ graceSeconds: 60 });
    secrets.advance(61 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    expect(secrets.reads()).toEqual(['AWSCURRENT']);
  });

  it('revokes a removed user at the next refresh, grace or not', async () => {
    const { status, secrets } = setup(
      { graceSeconds: 3600, cacheTtlSeconds: 30 },
      { users: { alice: 'alice-Password-1', bob: 'bob-Password-1' } },
    );
    secrets.advance(10 * SECOND);
    secrets.rotate({ users: { alice: 'alice-Password-2', bob: 'bob-Password-2' } });
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(200); // in grace
    secrets.changeUsers({ users: { bob: 'bob-Password-2' } }); // users remove alice
    secrets.advance(31 * SECOND);
    expect(await status({ authorization: basic('alice', 'alice-Password-2') })).toBe(401);
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(401); // her replaced password is gone too
    expect(await status({ authorization: basic('bob', 'bob-Password-1') })).toBe(200); // bob keeps his grace
  });

  it("keeps a rotation's grace when users are added after it", async () => {
    const { status, secrets } = setup(
      { graceSeconds: 600, cacheTtlSeconds: 30 },
      { users: { alice: 'alice-Password-1' } },
    );
    secrets.advance(10 * SECOND);
    secrets.rotate({ users: { alice: 'alice-Password-2' } });
    secrets.advance(5 * SECOND);
    secrets.changeUsers({ users: { alice: 'alice-Password-2', carol: 'carol-Password-1' } }); // users add carol
    secrets.advance(31 * SECOND);
    expect(await status({ authorization: basic('carol', 'carol-Password-1') })).toBe(200);
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(200);
  });

  it("does not revive a re-added user's pre-rotation password (users remove, then users add, in grace)", async () => {
    const { status, secrets } = setup(
      { graceSeconds: 3600, cacheTtlSeconds: 30 },
      { users: { alice: 'alice-Password-1', bob: 'bob-Password-1' } },
    );
    secrets.advance(10 * SECOND);
    secrets.rotate({ users: { alice: 'alice-Password-2', bob: 'bob-Password-2' } });
    secrets.changeUsers({ users: { bob: 'bob-Password-2' } }); // users remove alice
    secrets.advance(31 * SECOND);
    // users add alice: a new password of her own, recorded in passwordSetAt
    secrets.changeUsers({
      users: { bob: 'bob-Password-2', alice: 'alice-Password-3' },
      passwordSetAt: { alice: new Date(secrets.now).toISOString() },
    });
    secrets.advance(31 * SECOND);
    expect(await status({ authorization: basic('alice', 'alice-Password-3') })).toBe(200);
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(401);
    expect(await status({ authorization: basic('bob', 'bob-Password-1') })).toBe(200); // bob's came from the rotation: his grace holds
    secrets.advance(31 * SECOND); // a TTL refresh of the same version keeps the rule
    expect(await status({ authorization: basic('alice', 'alice-Password-1') })).toBe(401);
    expect(await status({ authorization: basic('bob', 'bob-Password-1') })).toBe(200);
  });

  it('reads AWSPREVIOUS again on every refresh: a label taken away stops working', async () => {
    const { status, secrets } = setup({ graceSeconds: 600, cacheTtlSeconds: 30 });
    secrets.advance(10 * SECOND);
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(200);
    secrets.setPrevious(undefined);
    secrets.advance(31 * SECOND);
    expect(await status({ authorization: basic('admin', 'first-Password-1') })).toBe(401);
  });

  it('treats an unusable AWSPREVIOUS as no previous: the site stays up, the log names the stage', async () => {
    const { status, secrets, logs } = setup({ graceSeconds: 600 });
    secrets.rotate({ username: 'admin', password: 'second-Password-2' });
    secrets.setPrevious('{not json');
    expect(await status({ authorization: basic('admin', 'second-Password-2') })).toBe(200);
    expect(logs).toContainEqual({
      event: 'secret.previous-unusable',
      stage: 'AWSPREVIOUS',
      error: 'SecretValueError: secret value is not JSON',
    });
  });

  it('loads the current and the previous version under one deadline', async () => {
    const config = resolveEdgeAuthConfig({
      secretId: 's',
      secretRegion: 'eu-west-1',
      graceSeconds: 600,
      fetchTimeoutMs: 300,
    });
    const seen: Deadline[] = [];
    const version = {
      versionId: 'v2',
      secretString: JSON.stringify({ username: 'admin', password: 'p-2' }),
      createdDate: Date.now(),
    };
    const edge = createEdgeAuth(config, {
      fetchVersion: async (stage, deadline) => {
        seen.push(deadline);
        if (stage === 'AWSCURRENT') return version;
        // AWSPREVIOUS hangs: the load's single deadline cuts it off
        return new Promise((_, reject) => deadline.onPass(() => reject(new Error('aborted by the deadline'))));
      },
      lastRotated: async (deadline) => {
        seen.push(deadline);
        return Date.now();
      },
    });
    const started = Date.now();
    const result = await edge.handle(viewerRequest({ authorization: basic('admin', 'p-2') }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect('status' in result ? result.status : '200').toBe('503'); // nothing could be loaded within the budget: fail closed
    expect(new Set(seen).size).toBe(1);
  });
});

describe('edge-auth exemptions', () => {
  it('bypasses auth for configured paths only, with CloudFront wildcards', async () => {
    const { status, secrets } = setup({ bypassPaths: ['/healthz', '/.well-known/*', '/img/????.png'] });
    expect(await status({ uri: '/healthz' })).toBe(200);
    expect(await status({ uri: '/.well-known/acme-challenge/abc' })).toBe(200);
    expect(await status({ uri: '/img/logo.png' })).toBe(200);
    expect(await status({ uri: '/img/logos.png' })).toBe(401);
    expect(await status({ uri: '/healthz/more' })).toBe(401);
    expect(await status({ uri: '/HEALTHZ' })).toBe(401);
    expect(await status({ uri: '/' })).toBe(401);
    expect(secrets.calls).toEqual([]);
  });

  it('does not let a bypass path reach another path through dot segments or encodings', async () => {
    const { status } = setup({ bypassPaths: ['/.well-known/*', '/public*'] });
    for (const uri of [
      '/.well-known/../admin',
      '/.well-known/%2e%2e/admin',
      '/.well-known/..%2fadmin',
      '/public/..\\admin',
      '/public//x',
      '/public/./x',
    ]) {
      expect(await status({ uri }), uri).toBe(401);
    }
  });

  it('lets allowlisted client addresses through, IPv4 and IPv6', async () => {
    const { status } = setup({ allowCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    expect(await status({ clientIp: '203.0.113.9' })).toBe(200);
    expect(await status({ clientIp: '::ffff:203.0.113.9' })).toBe(200);
    expect(await status({ clientIp: '2001:db8:1::7' })).toBe(200);
    expect(await status({ clientIp: '198.51.100.1' })).toBe(401);
    expect(await status({ clientIp: '2001:db9::1' })).toBe(401);
    expect(await status({ clientIp: 'not-an-ip' })).toBe(401);
  });

  it('answers CORS preflights at the edge when configured, never forwarding them', async () => {
    const preflight = {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'Content-Type, X-Trace',
      },
    };
    expect(await setup().status(preflight)).toBe(401); // not configured: a request like any other
    const { edge, secrets } = setup({
      cors: {
        allowOrigins: ['https://app.example'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['content-type', 'x-trace'],
        maxAgeSeconds: 300,
        allowCredentials: true,
      },
    });
    const answer = (await edge.handle(viewerRequest(preflight))) as CloudFrontResultResponse;
    expect(answer.status).toBe('204');
    expect(answer.headers['access-control-allow-origin']).toEqual([
      { key: 'Access-Control-Allow-Origin', value: 'https://app.example' },
    ]);
    expect(answer.headers['access-control-allow-methods']?.[0]?.value).toBe('GET, POST');
    expect(answer.headers['access-control-allow-headers']?.[0]?.value).toBe('content-type, x-trace');
    expect(answer.headers['access-control-allow-credentials']?.[0]?.value).toBe('true');
    const refused = async (headers: Record<string, string>) =>
      ((await edge.handle(viewerRequest({ method: 'OPTIONS', headers }))) as CloudFrontResultResponse).status;
    expect(await refused({ ...preflight.headers, Origin: 'https://evil.example' })).toBe('403');
    expect(await refused({ ...preflight.headers, 'Access-Control-Request-Method': 'DELETE' })).toBe('403');
    expect(await refused({ ...preflight.headers, 'Access-Control-Request-Headers': 'authorization' })).toBe('403');
    expect(await refused({ Origin: '', 'Access-Control-Request-Method': '' })).toBe('403'); // empty values: answered, not forwarded
    expect(secrets.calls).toEqual([]);
    const { status } = setup({ cors: { allowOrigins: ['*'], allowMethods: ['GET'] } });
    expect(await status({ method: 'OPTIONS', headers: { Origin: 'https://app.example' } })).toBe(401); // no requested method: not a preflight
    expect(await status({ method: 'GET', headers: preflight.headers })).toBe(401);
  });

  it('names the migration from corsPreflight', () => {
    expect(() =>
      resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'eu-west-1', corsPreflight: true } as never),
    ).toThrow(/corsPreflight is replaced by cors/);
  });
});

describe('edge-auth logs', () => {
  it('logs fetches and failures as structured events that never contain a credential', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const { status, secrets, logs } = setup({ graceSeconds: 60 });
      await status({ authorization: basic('admin', 'first-Password-1') });
      secrets.advance(10 * SECOND);
      secrets.rotate({ username: 'admin', password: 'second-Password-2' });
      await status({ authorization: basic('admin', 'second-Password-2') });
      secrets.failing = true;
      secrets.advance(400 * SECOND);
      await status({ authorization: basic('admin', 'second-Password-2') });
      const text = JSON.stringify(logs) + lines.join('\n');
      expect(logs.filter((l) => l.event !== 'decision').map((l) => l.event)).toEqual([
        'secret.fetch',
        'secret.fetch',
        'secret.fetch-failed',
        'secret.stale',
      ]);
      expect(logs.filter((l) => l.event === 'secret.fetch')[1]).toMatchObject({
        cause: 'miss',
        changed: true,
        previous: true,
      });
      // one decision per request: who and why, never the password
      const allowed = {
        event: 'decision',
        time: expect.any(Number),
        outcome: 'allowed',
        reason: 'credential',
        user: 'admin',
        ip: expect.any(String),
        method: 'GET',
        path: expect.any(String),
      };
      expect(logs.filter((l) => l.event === 'decision')).toEqual([allowed, allowed, allowed]);
      for (const secret of ['first-Password-1', 'second-Password-2', 'YWRtaW46']) expect(text).not.toContain(secret);
    } finally {
      spy.mockRestore();
    }
  });
});
