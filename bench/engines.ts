// The two edge engines side by side: Lambda@Edge reading Secrets Manager, and
// a CloudFront function reading salted digests from a KeyValueStore.
//
// - warm decision: the Lambda engine's handler and the CloudFront function's
//   code, both in V8 on this machine, interleaved (CloudFront runs functions
//   in its own JavaScript runtime: the figure says what the code costs, not
//   what CloudFront bills); the local runner's whole request (a fresh global
//   scope each time, as CloudFront gives) beside it;
// - cold start: the Lambda engine's from section 1; the function's compile
//   and first decision in the local runner (CloudFront documents none);
// - cost per million requests at list prices;
// - propagation: AWSCURRENT moving → the store updated → the first request
//   with the new password accepted, through the real rotation function.

import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CloudFrontFunction } from '../cli/local/cloudfront-functions.js';
import type { LocalEvent } from '../cli/local/events.js';
import { resolveEdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../handlers/edge-auth/edge-auth.js';
import { planDigests } from '../handlers/shared/kvs-digests.js';
import { bundleFunction } from '../stacks/function-bundle.js';
import { FakeSecretVersions } from '../test/helpers/fake-secret-versions.js';
import { startLocalSite } from '../test/helpers/local-site.js';
import { spread, type Spread, basic, lambdaEvent, rotateNow } from './lib.js';
import { logAsShipped } from './edge-warm.js';
import { parseTokens } from '../handlers/shared/bypass-tokens.js';

const USER = 'admin';
const PASSWORD = 'Engine-Bench-Password-0123456789';

// List prices, us-east-1 (AWS pricing pages): what each engine adds to CloudFront's own request price.
export const PRICES = {
  lambdaEdgeRequest: 0.6 / 1e6,
  lambdaEdgeGbSecond: 0.00005001,
  /** 128 MB, billed per 1 ms with a 1 ms minimum */
  lambdaEdgeMemoryGb: 0.125,
  secretsManagerCall: 0.05 / 10_000,
  functionInvocation: 0.1 / 1e6,
  keyValueStoreRead: 0.03 / 1e6,
};

export interface EngineFigures {
  warm: Array<{ case: string; lambdaMicros: Spread; functionMicros: Spread; runnerMicros: Spread }>;
  functionColdMs: Spread;
  functionBytes: number;
  costPerMillion: { lambda: { total: number; parts: string }; function: { total: number; parts: string } };
  propagation: { storeMs: Spread; acceptedMs: Spread; rounds: number };
}

/** A bypass token (both engines hold its digests): the token case of the warm figures. */
const TOKEN = 'bat_0123456789ab_Engine-Bench-Token-0123456789abcdefghijklmn';
const TOKENS = { monitor: { id: '0123456789ab', token: TOKEN, created: '2026-01-01T00:00:00Z' } };

function functionEvent(authorization: string, token?: string) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.1' },
    request: {
      method: 'GET',
      uri: '/',
      querystring: {},
      headers:
        token === undefined ? { authorization: { value: authorization } } : { 'x-basicauth-bypass': { value: token } },
      cookies: {},
    },
  };
}

/** The Lambda@Edge event of a case: Basic credentials, or the token's header. */
function lambdaCase(authorization: string, token?: string) {
  if (token === undefined) return lambdaEvent(authorization);
  const event = lambdaEvent(authorization);
  event.Records[0]!.cf.request.headers = { 'x-basicauth-bypass': [{ key: 'x-basicauth-bypass', value: token }] };
  return event;
}

function storeOf(): Map<string, string> {
  const plan = planDigests({
    current: {
      versionId: 'v1',
      users: new Map([[USER, PASSWORD]]),
      tokens: parseTokens({ bypassTokens: TOKENS }),
    },
    existing: new Map(),
    now: Date.now(),
  });
  return new Map(plan.puts.map((p) => [p.Key, p.Value]));
}

async function timeBatch(run: () => unknown, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await run();
  return ((performance.now() - start) * 1000) / count;
}

async function warm(code: string, rounds: number): Promise<EngineFigures['warm']> {
  const secrets = new FakeSecretVersions({ username: USER, password: PASSWORD, bypassTokens: TOKENS });
  const lambda = createEdgeAuth(
    resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1', cacheTtlSeconds: 86_400 }),
    { fetchVersion: secrets.fetch, now: secrets.clock, log: logAsShipped },
  );
  const items = storeOf();
  const store = {
    id: 'kvs',
    get: (k: string) => items.get(k),
    meta: () => ({ creationDateTime: '', lastUpdatedDateTime: '', keyCount: items.size }),
  };
  const reused = new CloudFrontFunction(code, store, { budgetMs: 1000 });
  const fresh = new CloudFrontFunction(code, store, { budgetMs: 1000 });
  const cases: Array<[string, string, string?]> = [
    ['valid credential', basic(USER, PASSWORD)],
    ['wrong password', basic(USER, 'not-the-password')],
    ['bypass token', '', TOKEN],
  ];
  // each case must decide as named, or the figures time something else
  for (const [name, header, token] of cases) {
    const verdict = reused.run(functionEvent(header, token)).result as { statusCode?: number };
    if ((verdict.statusCode === undefined) !== (name !== 'wrong password'))
      throw new Error(`engines: the case "${name}" decides ${JSON.stringify(verdict.statusCode ?? 'allow')}`);
  }
  const samples = cases.map(() => ({ lambda: [] as number[], fn: [] as number[], runner: [] as number[] }));
  // the two engines' code, interleaved
  for (let round = 0; round < rounds + 1; round++) {
    for (const [i, [, header, token]] of cases.entries()) {
      const l = await timeBatch(() => lambda.handle(lambdaCase(header, token)), 20_000);
      const f = reused.timeHandler(functionEvent(header, token), 20_000);
      if (round === 0) continue; // warms the JIT
      samples[i]!.lambda.push(l);
      samples[i]!.fn.push(f);
    }
  }
  // the local runtime's whole request apart: a context per request is garbage the code figures should not pay for
  for (let round = 0; round < rounds + 1; round++) {
    for (const [i, [, header, token]] of cases.entries()) {
      const r = await timeBatch(() => fresh.run(functionEvent(header, token)), 300);
      if (round > 0) samples[i]!.runner.push(r);
    }
  }
  return cases.map(([name], i) => ({
    case: name,
    lambdaMicros: spread(samples[i]!.lambda),
    functionMicros: spread(samples[i]!.fn),
    runnerMicros: spread(samples[i]!.runner),
  }));
}

function cold(code: string, runs: number): Spread {
  const items = storeOf();
  const store = {
    id: 'kvs',
    get: (k: string) => items.get(k),
    meta: () => ({ creationDateTime: '', lastUpdatedDateTime: '', keyCount: items.size }),
  };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    new CloudFrontFunction(`${code}\n// ${i}`, store).run(functionEvent(basic(USER, PASSWORD)));
    times.push(performance.now() - start);
  }
  return spread(times);
}

/** Dollars per million requests that carry credentials, warm (Lambda billed its 1 ms minimum), plus the Secrets Manager calls given. */
export function costPerMillion(secretsManagerCallsPerMillion: number): EngineFigures['costPerMillion'] {
  const lambdaDuration = 1e6 * 0.001 * PRICES.lambdaEdgeMemoryGb * PRICES.lambdaEdgeGbSecond;
  const lambdaRequests = 1e6 * PRICES.lambdaEdgeRequest;
  const sm = secretsManagerCallsPerMillion * PRICES.secretsManagerCall;
  const fnInvocations = 1e6 * PRICES.functionInvocation;
  const kvsReads = 1e6 * PRICES.keyValueStoreRead;
  return {
    lambda: {
      total: lambdaRequests + lambdaDuration + sm,
      parts: `$${lambdaRequests.toFixed(2)} requests + $${lambdaDuration.toFixed(4)} duration (1 ms × 128 MB) + $${sm.toFixed(4)} Secrets Manager`,
    },
    function: {
      total: fnInvocations + kvsReads,
      parts: `$${fnInvocations.toFixed(2)} invocations + $${kvsReads.toFixed(2)} key value store reads (one per request with credentials)`,
    },
  };
}

async function propagation(rounds: number): Promise<EngineFigures['propagation']> {
  let movedAt = 0;
  let storedAt = 0;
  const onEvent = (event: LocalEvent) => {
    if (event.type === 'secret.stage' && event.stage === 'AWSCURRENT') movedAt = performance.now();
    if (event.type === 'key-value-store' && movedAt && !storedAt) storedAt = performance.now();
  };
  const site = await startLocalSite({
    engine: 'cloudfront-function',
    edge: {},
    value: { username: USER, password: PASSWORD },
    onEvent,
  });
  const storeMs: number[] = [];
  const acceptedMs: number[] = [];
  try {
    const { sm } = site.t;
    for (let round = 0; round < rounds; round++) {
      movedAt = 0;
      storedAt = 0;
      await sm.send(await rotateNow(site.rotateArn));
      while (!movedAt) await new Promise((r) => setTimeout(r, 1));
      const password = JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'basicauth/test' }))).SecretString!,
      ).password as string;
      // a user who has read it tries it every 5 ms until it works
      for (;;) {
        const status = await fetch(site.edge.url, { headers: { authorization: basic(USER, password) } }).then(
          (r) => r.status,
        );
        if (status === 200) break;
        if (performance.now() - movedAt > 10_000)
          throw new Error('engines bench: the new password did not work within 10 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      acceptedMs.push(performance.now() - movedAt);
      storeMs.push(storedAt - movedAt);
      await site.t.cloud.secretsManager.settled();
    }
  } finally {
    await site.stop();
  }
  return { storeMs: spread(storeMs), acceptedMs: spread(acceptedMs), rounds };
}

export async function engines(options: {
  rounds?: number;
  coldRuns?: number;
  propagationRounds?: number;
  secretsManagerCallsPerMillion: number;
}): Promise<EngineFigures> {
  const bundle = await bundleFunction({ secretId: 's', secretRegion: 'us-east-1' });
  return {
    warm: await warm(bundle.code, options.rounds ?? 7),
    functionColdMs: cold(bundle.code, options.coldRuns ?? 30),
    functionBytes: bundle.bytes,
    costPerMillion: costPerMillion(options.secretsManagerCallsPerMillion),
    propagation: await propagation(options.propagationRounds ?? 10),
  };
}
