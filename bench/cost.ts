// Secrets Manager calls per 100,000 requests spread over 8 edge instances in
// one hour, in normal traffic and under a flood of wrong passwords: ours
// (TTL 300 s, refresh-on-miss at most every 5 s) against the seed article's
// caching (fetch once per instance, keep forever). Simulated time, real code:
// the edge module itself, with a counting secret source.

import { resolveEdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../handlers/edge-auth/edge-auth.js';
import type { CloudFrontRequestEvent } from '../handlers/edge-auth/cloudfront.js';
import { FakeSecretVersions } from '../test/helpers/fake-secret-versions.js';

export interface CostFigures {
  scenario: string;
  oursCalls: number;
  articleCalls: number;
  oursDollarsPerMonth: number;
  articleDollarsPerMonth: number;
}

export const REQUESTS = 100_000;
export const INSTANCES = 8;
export const HOUR_MS = 3_600_000;
const PRICE_PER_CALL = 0.05 / 10_000;
const HOURS_PER_MONTH = 730;

const event = (authorization: string): CloudFrontRequestEvent => ({
  Records: [{ cf: { config: {}, request: { clientIp: '198.51.100.1', method: 'GET', uri: '/', querystring: '', headers: { authorization: [{ key: 'Authorization', value: authorization }] } } } }],
});

async function calls(config: Record<string, unknown>, wrongShare: number): Promise<number> {
  const secrets = new FakeSecretVersions({ username: 'admin', password: 'cost-Password-0123456789' });
  const edges = Array.from({ length: INSTANCES }, () =>
    createEdgeAuth(resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1', ...config }), { fetchVersion: secrets.fetch, now: secrets.clock }),
  );
  const valid = `Basic ${Buffer.from('admin:cost-Password-0123456789').toString('base64')}`;
  const step = HOUR_MS / REQUESTS;
  for (let i = 0; i < REQUESTS; i++) {
    const wrong = (i * 7919) % 100 < wrongShare * 100;
    await edges[i % INSTANCES]!.handle(event(wrong ? `Basic ${Buffer.from(`admin:guess-${i}`).toString('base64')}` : valid));
    secrets.advance(step);
  }
  return secrets.calls.length;
}

export async function cost(): Promise<CostFigures[]> {
  const ours = {};
  // The article: one fetch per cold start, kept for the container's life.
  const article = { cacheTtlSeconds: 86_400, refreshMinIntervalSeconds: 3600 };
  const scenarios: Array<[string, number]> = [
    ['normal traffic (all valid)', 0],
    ['flood of wrong passwords (100% wrong)', 1],
  ];
  const figures: CostFigures[] = [];
  for (const [scenario, wrongShare] of scenarios) {
    const o = await calls(ours, wrongShare);
    const a = await calls(article, wrongShare);
    figures.push({
      scenario,
      oursCalls: o,
      articleCalls: a,
      oursDollarsPerMonth: o * HOURS_PER_MONTH * PRICE_PER_CALL,
      articleDollarsPerMonth: a * HOURS_PER_MONTH * PRICE_PER_CALL,
    });
  }
  return figures;
}
