// Secrets Manager calls per 100,000 requests spread over 8 edge instances in
// one hour: normal traffic, a flood repeating one wrong credential, and a
// flood of distinct wrong passwords. Ours (defaults: TTL 300 s, refresh-on-miss
// floor 1 s with back-off, failed credentials remembered per version) against
// the seed article's caching (fetch once per instance, keep forever). Simulated time, real code:
// the edge module itself, with a counting secret source.

import { resolveEdgeAuthConfig } from '../handlers/edge-auth/config.js';
import { createEdgeAuth } from '../handlers/edge-auth/edge-auth.js';
import { FakeSecretVersions } from '../test/helpers/fake-secret-versions.js';
import { basic, lambdaEvent } from './lib.js';

export type Traffic = 'valid' | 'repeated-wrong' | 'distinct-wrong';

export interface CostRow {
  traffic: Traffic;
  label: string;
  calls: { ours: number; article: number };
  /** the most calls any instance made in one second, ours */
  oursPeakPerInstanceSecond: number;
  /** ours beyond what all-valid traffic costs: what the wrong credentials cost */
  oursExtra: number;
}

export const REQUESTS = 100_000;
export const INSTANCES = 8;
export const HOUR_MS = 3_600_000;
const PRICE_PER_CALL = 0.05 / 10_000;
const HOURS_PER_MONTH = 730;

export const dollarsPerMonth = (callsPerHour: number) => callsPerHour * HOURS_PER_MONTH * PRICE_PER_CALL;

const event = lambdaEvent;

async function calls(config: Record<string, unknown>, traffic: Traffic): Promise<{ total: number; peak: number }> {
  const secrets = new FakeSecretVersions({ username: 'admin', password: 'cost-Password-0123456789' });
  const perInstance: Array<Map<number, number>> = [];
  const edges = Array.from({ length: INSTANCES }, () => {
    const perSecond = new Map<number, number>();
    perInstance.push(perSecond);
    return createEdgeAuth(resolveEdgeAuthConfig({ secretId: 's', secretRegion: 'us-east-1', ...config }), {
      fetchVersion: async (stage, signal) => {
        const second = Math.floor(secrets.now / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
        return secrets.fetch(stage, signal);
      },
      now: secrets.clock,
    });
  });
  const valid = basic('admin', 'cost-Password-0123456789');
  const repeated = basic('admin', 'the-same-wrong-password');
  const step = HOUR_MS / REQUESTS;
  for (let i = 0; i < REQUESTS; i++) {
    const authorization =
      traffic === 'valid' ? valid : traffic === 'repeated-wrong' ? repeated : basic('admin', `guess-${i}`);
    await edges[i % INSTANCES]!.handle(event(authorization));
    secrets.advance(step);
  }
  return { total: secrets.calls.length, peak: Math.max(...perInstance.flatMap((m) => [...m.values()])) };
}

export async function cost(): Promise<CostRow[]> {
  const ours = {};
  const article = { cacheTtlSeconds: 86_400, refreshMinIntervalSeconds: 3600 };
  const rows: CostRow[] = [];
  let baseline = 0;
  for (const [traffic, label] of [
    ['valid', 'normal traffic (all valid)'],
    ['repeated-wrong', 'a flood repeating one wrong credential (100%)'],
    ['distinct-wrong', 'a flood of distinct wrong passwords (100%)'],
  ] as const) {
    const o = await calls(ours, traffic);
    const a = await calls(article, traffic);
    if (traffic === 'valid') baseline = o.total;
    rows.push({
      traffic,
      label,
      calls: { ours: o.total, article: a.total },
      oursPeakPerInstanceSecond: o.peak,
      oursExtra: o.total - baseline,
    });
  }
  return rows;
}
