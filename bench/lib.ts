// Small helpers shared by the benchmarks: statistics, child processes, the machine line.
import { cpus, loadavg, totalmem } from 'node:os';
import { runProcess } from '../test/helpers/run-cli.js';

export { basic } from '../test/helpers/edge-events.js';

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Runs a command to its end (the same helper the tests use). */
export const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runProcess(command, args, { env });

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** Median and range of a sample, for "median (min–max)" columns. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** "12.3 (11.0–15.2)" with `digits` decimals and an optional unit after the median. */
export function fmt(s: Spread, digits = 1, unit = ''): string {
  if (s.n === 0) return '—';
  const f = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.n === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

/** The 1-minute load average now, as a note for a table ("load 1.9 on 2 cores"). */
export function load(): string {
  return `load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
}

/**
 * A/B/… interleaved: each round runs every variant once, in turn, so every
 * variant sees the same machine; the first `warmup` rounds are dropped.
 */
export async function interleaved<K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<number>>,
  warmup = 1,
): Promise<Record<K, number[]>> {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds + warmup; round++) {
    for (const key of Object.keys(variants) as K[]) {
      const value = await variants[key]();
      if (round >= warmup) samples[key].push(value);
    }
  }
  return samples;
}

export const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/** A minimal viewer-request event (GET /, one Authorization header): what the warm benchmarks decide on. */
export function lambdaEvent(
  authorization: string,
): import('../handlers/edge-auth/cloudfront.js').CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: {},
          request: {
            clientIp: '198.51.100.1',
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

/** RotateSecret on the benchmarks' secret now, with the rotation function given. */
export function rotateNow(rotateArn: string) {
  return import('@aws-sdk/client-secrets-manager').then(
    ({ RotateSecretCommand }) =>
      new RotateSecretCommand({
        SecretId: 'basicauth/test',
        RotationLambdaARN: rotateArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: true,
      }),
  );
}
