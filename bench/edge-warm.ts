// Edge warm path: time per decision once the secret is cached, for a valid
// credential, a wrong one (already refused once: no fetch) and a malformed
// header. Baseline in the same run: the seed article's check (build
// `Basic base64(user:pass)` and compare with `!=`), which is fast but neither
// constant-time nor RFC 7617-correct. Interleaved: each round times a batch
// of every case on both, in turn.

import { resolveEdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../handlers/edge-auth/edge-auth.js';
import type { CloudFrontRequestEvent } from '../handlers/edge-auth/cloudfront.js';
import { FakeSecretVersions } from '../test/helpers/fake-secret-versions.js';
import { spread, type Spread } from './lib.js';
import type { EdgeLogEvent } from '../handlers/edge-auth/edge-auth.js';
import { formatLogLine } from '../handlers/edge-auth/runtime.js';

export interface WarmFigures {
  case: string;
  /** µs per decision, per round */
  oursMicros: Spread;
  articleMicros: Spread;
}

/** A decision's time on the warm path, the log line it writes included (tightened from 4 µs when decisions began to be logged). */
export const WARM_GOAL_MICROS = 2.5;

/**
 * What the shipped runtime does with each log event while the request waits: it keeps it (runtime.ts), and
 * turns it into its JSON line once the answer is on its way. The decision figures count the first; the
 * second is measured apart (logLineMicros) and reported beside them.
 */
// The runtime keeps an event until the answer is on its way (its flush runs once per turn of the event
// loop, each request on AWS being its own turn): one at a time. A few decisions are kept apart to time the
// line's JSON.
let kept: EdgeLogEvent | undefined;
const samples: EdgeLogEvent[] = [];
export const logAsShipped = (event: EdgeLogEvent) => {
  kept = event;
  if (samples.length < 64 && event.event === 'decision') samples.push(event);
};

/** µs to turn one decision's event into its log line, as the runtime does after answering. */
export function logLineMicros(count = 200_000): number {
  const events = samples;
  if (events.length === 0 || kept === undefined) return Number.NaN;
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) bytes += formatLogLine(events[i % events.length] as EdgeLogEvent).length;
  return bytes > 0 ? ((performance.now() - start) * 1000) / count : Number.NaN;
}

const USER = 'admin';
const PASSWORD = 'Warm-Path-Password-0123456789abc';

function event(authorization: string): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: {},
          request: {
            clientIp: '203.0.113.1',
            method: 'GET',
            uri: '/',
            querystring: '',
            headers: { authorization: [{ key: 'Authorization', value: authorization }] },
          },
        },
      },
    ],
  };
}

// The article's handler logic, transcribed from Python, with its cache already warm.
function articleHandler(credentials: { username: string; password: string }) {
  return async (e: CloudFrontRequestEvent) => {
    const request = e.Records[0]!.cf.request;
    const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    if (!request.headers.authorization || request.headers.authorization[0]!.value !== expected) {
      return {
        status: '401',
        statusDescription: 'Unauthorized',
        headers: { 'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Basic' }] },
        body: 'Unauthorized',
      };
    }
    return request;
  };
}

/** µs per decision over one batch. */
async function batch(
  fn: (e: CloudFrontRequestEvent) => Promise<unknown>,
  make: () => CloudFrontRequestEvent,
  count: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await fn(make());
  return ((performance.now() - start) * 1000) / count;
}

export async function edgeWarm(rounds = 9, perBatch = 40_000): Promise<WarmFigures[]> {
  const secrets = new FakeSecretVersions({ username: USER, password: PASSWORD });
  const ours = createEdgeAuth(
    resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1', cacheTtlSeconds: 86_400 }),
    {
      fetchVersion: secrets.fetch,
      now: secrets.clock,
      log: logAsShipped,
    },
  );
  const article = articleHandler({ username: USER, password: PASSWORD });
  const cases: Array<[string, string]> = [
    ['valid credential', `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`],
    ['wrong password', `Basic ${Buffer.from(`${USER}:not-the-password`).toString('base64')}`],
    ['malformed header', 'Basic !!not base64!!'],
  ];
  const samples = cases.map(() => ({ ours: [] as number[], article: [] as number[] }));
  for (let round = 0; round < rounds + 1; round++) {
    for (const [i, [, header]] of cases.entries()) {
      const make = () => event(header);
      const o = await batch((e) => ours.handle(e), make, perBatch);
      const a = await batch(article, make, perBatch);
      if (round > 0) {
        // the first round warms the JIT
        samples[i]!.ours.push(o);
        samples[i]!.article.push(a);
      }
    }
  }
  return cases.map(([name], i) => ({
    case: name,
    oursMicros: spread(samples[i]!.ours),
    articleMicros: spread(samples[i]!.article),
  }));
}
