// A bounded soak (SOAK_SECONDS, default 30, at most 120; loopback only):
// mixed valid and wrong requests over four edge instances while the password
// rotates every 7 s. Zero wrong allows, zero 5xx, memory flat, and after each
// rotation the new password is accepted once the refresh interval has passed
// and the old one refused once the TTL (+ grace 0) has passed.
import { randomBytes } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSite, type LocalSite } from '../helpers/local-site.js';

const SECONDS = Math.min(120, Number(process.env.SOAK_SECONDS ?? 30));
// The TTL is well above REFRESH + SLACK, so an edge that failed to refresh on a
// miss shows as refusals of the current password in between.
const TTL = 5_000;
const REFRESH = 1_000;
// time for a fetch already in flight at the rotation to land, on a loaded machine
const SLACK = 1000;
const ROTATE_EVERY = 7_000;

let site: LocalSite;
beforeAll(async () => {
  site = await startLocalSite({
    instances: 4,
    edge: { cacheTtlSeconds: TTL / 1000, refreshMinIntervalSeconds: REFRESH / 1000, graceSeconds: 0 },
    value: { username: 'admin', password: 'soak-initial-Password-0123456' },
  });
});
afterAll(() => site.stop());

interface Era {
  password: string;
  previous: string | undefined;
  /** when we saw it become AWSCURRENT (it did so at or before this) */
  since: number;
  /** requests the timing rules judged in this era: proof that the rules were exercised */
  judged: { current: number; previous: number };
}

describe('soak', () => {
  it(`holds for ${SECONDS} s of traffic with a rotation every ${ROTATE_EVERY / 1000} s`, {
    timeout: (SECONDS + 60) * 1000,
  }, async () => {
    const { sm } = site.t;
    const readCurrent = async () =>
      JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'basicauth/test' }))).SecretString!)
        .password as string;
    const eras: Era[] = [
      {
        password: await readCurrent(),
        previous: undefined,
        since: performance.now(),
        judged: { current: 0, previous: 0 },
      },
    ];
    await sm.send(
      new RotateSecretCommand({
        SecretId: 'basicauth/test',
        RotationLambdaARN: site.rotateArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );
    // RotateImmediately: false still runs a testSecret probe: let it finish before the clock starts
    await site.t.cloud.secretsManager.settled();
    // Odd while a rotation is under way: AWSCURRENT moves inside finishSecret, before RotateSecret's
    // caller can know, so a request is judged only when no rotation ran between its send and its answer.
    let epoch = 0;
    const end = performance.now() + SECONDS * 1000;
    const failures: string[] = [];
    const counts = { requests: 0, allowed: 0, refused: 0, rotations: 0 };
    const rss: number[] = [];

    const rotator = (async () => {
      while (performance.now() + ROTATE_EVERY < end) {
        await new Promise((r) => setTimeout(r, ROTATE_EVERY));
        epoch++;
        const { VersionId } = await sm.send(new RotateSecretCommand({ SecretId: 'basicauth/test' }));
        for (;;) {
          const stages =
            (await sm.send(new DescribeSecretCommand({ SecretId: 'basicauth/test' }))).VersionIdsToStages ?? {};
          if (stages[VersionId!]?.includes('AWSCURRENT')) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const password = await readCurrent();
        eras.push({
          password,
          previous: eras.at(-1)!.password,
          since: performance.now(),
          judged: { current: 0, previous: 0 },
        });
        epoch++;
        counts.rotations++;
      }
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap: number[] = [];
    const sampler = setInterval(() => {
      gc?.();
      const m = process.memoryUsage();
      rss.push(m.rss);
      heap.push(m.heapUsed);
    }, 500);

    const client = async () => {
      while (performance.now() < end) {
        const era = eras.at(-1)!;
        const kind = Math.random();
        const password =
          kind < 0.5
            ? era.password
            : kind < 0.75 && era.previous
              ? era.previous
              : randomBytes(12).toString('base64url');
        const label = password === era.password ? 'current' : password === era.previous ? 'previous' : 'wrong';
        const sentInEpoch = epoch;
        const sent = performance.now();
        const res = await fetch(site.edge.url, {
          headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
        });
        await res.arrayBuffer();
        counts.requests++;
        if (res.status === 200) counts.allowed++;
        else counts.refused++;
        const age = sent - era.since;
        // judge only requests that no rotation overlapped (the era is then still the newest)
        const settled = sentInEpoch % 2 === 0 && epoch === sentInEpoch;
        if (res.status >= 500) failures.push(`${label}: unexpected ${res.status}`);
        else if (label === 'wrong' && res.status === 200) failures.push('a wrong password was allowed');
        else if (settled && label === 'current' && age > REFRESH + SLACK) {
          era.judged.current++;
          if (res.status !== 200) failures.push(`current password refused ${Math.round(age)} ms after the rotation`);
        } else if (settled && label === 'previous' && age > TTL + SLACK) {
          era.judged.previous++;
          if (res.status !== 401) failures.push(`previous password accepted ${Math.round(age)} ms after the rotation`);
        }
      }
    };
    await Promise.all([rotator, ...Array.from({ length: 8 }, client)]);
    clearInterval(sampler);

    const warm = rss.slice(4, 10);
    const last = rss.slice(-6);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const growthMiB = (mean(last) - mean(warm)) / 2 ** 20;
    const heapGrowthMiB = (mean(heap.slice(-6)) - mean(heap.slice(4, 10))) / 2 ** 20;
    console.info(
      `soak: ${counts.requests} requests (${counts.allowed} allowed, ${counts.refused} refused), ${counts.rotations} rotations; between the first and last seconds: rss ${growthMiB.toFixed(1)} MiB, heap after GC ${heapGrowthMiB.toFixed(1)} MiB`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(counts.rotations).toBeGreaterThanOrEqual(Math.floor(SECONDS / (ROTATE_EVERY / 1000)) - 2);
    // Throughput is a benchmark's business (bench/), not this test's: what matters is that the
    // timing rules were exercised in every completed era, however slow the machine is.
    for (const era of eras.slice(1, -1)) {
      expect(era.judged.current, 'current-password requests judged in an era').toBeGreaterThanOrEqual(5);
      expect(era.judged.previous, 'previous-password requests judged in an era').toBeGreaterThanOrEqual(1);
    }
    // The heap after a full collection is the leak signal; rss moves with V8's and malloc's own sizing.
    if (gc) expect(heapGrowthMiB).toBeLessThan(10);
    expect(growthMiB).toBeLessThan(150);
  });
});
