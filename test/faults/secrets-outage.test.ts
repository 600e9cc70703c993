// Secrets Manager down or slow, as the edge sees it: a warm edge keeps
// serving valid users from its stale cache for a bounded time, then fails
// closed; a cold edge answers 503; nothing is ever allowed without a
// verified credential; the logs say why, without a secret.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearFaults, setFaults } from '../helpers/faults.js';
import { startLocalSite, type LocalSite } from '../helpers/local-site.js';

const PASSWORD = 'outage-Password-0123456789';
const auth = (password: string) => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });
let site: LocalSite;

beforeAll(async () => {
  site = await startLocalSite({
    value: { username: 'admin', password: PASSWORD },
    edge: {
      cacheTtlSeconds: 2,
      refreshMinIntervalSeconds: 1,
      staleIfErrorSeconds: 3,
      fetchTimeoutMs: 400,
      retryAfterSeconds: 7,
    },
    rotate: false,
  });
});
afterAll(() => site.stop());
beforeEach(async () => {
  await clearFaults(site.t.cloud.endpoint);
  await site.t.cloud.lambda.runtime.retire(() => false); // every test starts cold
  site.t.functionLogs.length = 0;
});

const get = (password?: string) => fetch(site.edge.url, { headers: password ? auth(password) : {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Secrets Manager down', () => {
  it('a warm edge serves valid users from its stale cache for TTL + staleIfError, then fails closed with 503', async () => {
    // The fetch that warms the cache happens between this send and its answer:
    // the stale window ends between warmSent and warmAnswered + TTL + staleIfError (5 s).
    const warmSent = Date.now();
    expect((await get(PASSWORD)).status).toBe(200); // warm: fetched
    const warmAnswered = Date.now();
    await setFaults(site.t.cloud.endpoint, [
      { service: 'secretsmanager', operation: 'GetSecretValue', error: 'InternalServiceError' },
    ]);
    const seen: Array<{ sent: number; valid: number; wrong: number }> = [];
    while (Date.now() - warmAnswered < 6500) {
      const sent = Date.now();
      const [valid, wrong] = await Promise.all([get(PASSWORD), get('wrong-password')]);
      seen.push({ sent, valid: valid.status, wrong: wrong.status });
      await sleep(200);
    }
    expect(seen.every((s) => s.wrong !== 200)).toBe(true); // never an allow without a verified credential
    // sent well inside the window (1 s margin for the request to be handled): served stale
    expect(seen.filter((s) => s.sent < warmSent + 4000).map((s) => s.valid)).toEqual(
      seen.filter((s) => s.sent < warmSent + 4000).map(() => 200),
    );
    // sent after the window, whenever it ended: fail closed
    const late = seen.filter((s) => s.sent > warmAnswered + 5600);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((s) => s.valid === 503)).toBe(true);
    const last = await get(PASSWORD);
    expect(last.headers.get('retry-after')).toBe('7');
    const logs = site.t.functionLogs.join('\n');
    expect(logs).toMatch(/"event":"secret.stale"/);
    expect(logs).toMatch(/"event":"secret.expired"/);
    expect(logs).toMatch(
      /"event":"secret.fetch-failed".*"error":"SecretsFetchError: Secrets Manager in us-east-1 answered InternalServiceError"/,
    );
    expect(logs).not.toContain(PASSWORD);
  });

  it('a cold edge answers 503 with Retry-After, and recovers when Secrets Manager does', async () => {
    await setFaults(site.t.cloud.endpoint, [
      { service: 'secretsmanager', operation: 'GetSecretValue', error: 'ThrottlingException' },
    ]);
    const cold = await get(PASSWORD);
    expect(cold.status).toBe(503);
    expect(cold.headers.get('retry-after')).toBe('7');
    expect((await get()).status).toBe(401); // no credentials: the challenge, no fetch needed
    await clearFaults(site.t.cloud.endpoint);
    await sleep(1100); // the retry interval after a failure
    expect((await get(PASSWORD)).status).toBe(200);
  });

  it('treats a Secrets Manager slower than the fetch budget as down', async () => {
    await setFaults(site.t.cloud.endpoint, [
      { service: 'secretsmanager', operation: 'GetSecretValue', latencyMs: 2000 },
    ]);
    const slow = await get(PASSWORD);
    expect(slow.status).toBe(503);
    // the edge's own account of the fetch: given up at the budget, not at the 2 s the endpoint takes
    const failed = site.t.functionLogs
      .map((l) => /\{.*\}/.exec(l)?.[0])
      .filter(Boolean)
      .map((l) => JSON.parse(l!))
      .find((e) => e.event === 'secret.fetch-failed');
    expect(failed?.error).toMatch(/did not answer within 400 ms/);
    expect(failed.ms).toBeGreaterThanOrEqual(390);
    expect(failed.ms).toBeLessThan(1500);
  });

  it('survives an outage window and a hanging endpoint', async () => {
    expect((await get(PASSWORD)).status).toBe(200);
    await setFaults(site.t.cloud.endpoint, [{ service: 'secretsmanager', error: 'timeout', until: Date.now() + 2500 }]);
    await sleep(2100); // past the TTL: the next request refreshes into the hanging endpoint
    const during = await get(PASSWORD);
    expect(during.status).toBe(200); // stale cache, within staleIfError
    await sleep(1500); // the window is over
    await sleep(1000);
    expect((await get(PASSWORD)).status).toBe(200);
    expect((await get('wrong-password')).status).toBe(401);
  });
});
