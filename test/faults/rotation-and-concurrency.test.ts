// Rotation failing at each of the four steps; concurrent publish and users
// changes during a rotation; SIGKILL in the middle of a publish. Through the
// CLI binary against `basicauth dev --fault-injection`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { clearFaults, faultHits, setFaults } from '../helpers/faults.js';
import { until } from '../helpers/local-cloud.js';
import { localCli } from '../helpers/run-cli.js';

let stateDir: string;
let dev: DevProcess;
const { cli, json } = localCli(() => stateDir);
const creds = async () => (await cli('show-creds', '--format', 'curl')).stdout.trim();
const status = async (userPass: string) =>
  (await fetch(dev.info.edgeUrl, { headers: { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` } }))
    .status;
const faultCount = async () =>
  ((await (await fetch(`${dev.info.endpoint}/_local/faults`)).json()) as { hits: number }).hits;
const start = (extra: string[] = []) =>
  startDevProcess(stateDir, [
    '--fault-injection',
    '--cache-ttl',
    '2',
    '--refresh-interval',
    '1',
    '--deploy-seconds',
    '1',
    ...extra,
  ]);

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'basicauth-faults-'));
  dev = await start();
});
afterAll(async () => {
  dev.child.kill('SIGKILL');
  await dev.exited;
  await rm(stateDir, { recursive: true, force: true });
});

describe('a rotation failing at each step', () => {
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    it(`${step}: the current password keeps working, status shows it, --recover completes`, async () => {
      const before = await creds();
      await setFaults(dev.info.endpoint, [{ service: 'lambda', operation: 'Invoke', step, error: 'ServiceException' }]);
      const failed = await cli('rotate', '--now', '--yes', '--timeout', '10s');
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`the rotation failed at ${step}`);
      expect(await creds()).toBe(before);
      expect(await status(before)).toBe(200);
      const st = await json('status');
      expect(st.code).toBe(1);
      expect(st.body.problems).toContainEqual(
        expect.objectContaining({
          severity: 'error',
          message: expect.stringContaining(`failed at ${step}`),
          fix: expect.stringContaining('--recover'),
        }),
      );
      await clearFaults(dev.info.endpoint);
      const recovered = await json('rotate', '--now', '--yes', '--recover');
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.body.clearedPendingVersionId).toEqual(expect.any(String));
      const after = await creds();
      expect(after).not.toBe(before);
      await new Promise((r) => setTimeout(r, 1100)); // refresh interval
      expect(await status(after)).toBe(200);
      expect((await json('status')).body.problems).toEqual([]);
    });
  }
});

describe('concurrency', () => {
  it('publish against a distribution changed underneath: the first update fails, the retry keeps both changes', async () => {
    const cf = new CloudFrontClient({
      region: 'us-east-1',
      endpoint: dev.info.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    // publish reads the config, then waits 800 ms before it writes…
    const hits = await faultCount();
    await setFaults(dev.info.endpoint, [
      { service: 'cloudfront', operation: 'UpdateDistribution', latencyMs: 800, times: 1 },
    ]);
    const publishing = json('publish');
    await faultHits(dev.info.endpoint, hits + 1); // publish's update is held
    // …meanwhile someone else changes the distribution
    const current = await cf.send(new GetDistributionConfigCommand({ Id: dev.info.distributionId }));
    await cf.send(
      new UpdateDistributionCommand({
        Id: dev.info.distributionId,
        IfMatch: current.ETag,
        DistributionConfig: { ...current.DistributionConfig!, Comment: 'changed by someone else' },
      }),
    );
    const r = await publishing;
    expect(r.code, r.stderr).toBe(0);
    expect(r.body.updateAttempts).toBe(2);
    const after = await cf.send(new GetDistributionConfigCommand({ Id: dev.info.distributionId }));
    expect(after.DistributionConfig?.Comment).toBe('changed by someone else');
    expect(
      after.DistributionConfig?.DefaultCacheBehavior?.LambdaFunctionAssociations?.Items?.[0]?.LambdaFunctionARN,
    ).toMatch(new RegExp(`:${r.body.version}$`));
  });

  it('users add during a rotation is refused with a clear error, and works after it', async () => {
    // createSecret is held long enough that `users add` (a CLI start, even on a loaded machine) meets the rotation
    await setFaults(dev.info.endpoint, [
      { service: 'lambda', operation: 'Invoke', step: 'createSecret', latencyMs: 8000, times: 1 },
    ]);
    const started = await json('rotate', '--now', '--yes', '--no-wait');
    expect(started.body.status).toBe('started');
    const refused = await cli('users', 'add', 'carol');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a rotation is in progress .* changing users now would be undone by it/);
    await until(
      async () => {
        const probe = (await (
          await fetch(`${dev.info.endpoint}/_local/rotation?secretId=${encodeURIComponent(dev.info.secretId)}`)
        ).json()) as { token?: string; endedAt?: number };
        return probe.token === started.body.versionId && probe.endedAt !== undefined;
      },
      30_000,
      'the rotation to end',
    );
    const added = await json('users', 'add', 'carol');
    expect(added.code, added.stderr).toBe(0);
    expect(added.body.users).toContain('carol');
  });
});

describe('SIGKILL in the middle of a publish', () => {
  it('the restart finishes it: the distribution runs the newest version, status is clean', async () => {
    const hits = await faultCount();
    await setFaults(dev.info.endpoint, [{ service: 'cloudfront', operation: 'UpdateDistribution', latencyMs: 5000 }]);
    const before = (await json('status')).body.edge.latestVersion;
    const publishing = cli('publish', '--timeout', '20s');
    await faultHits(dev.info.endpoint, hits + 1); // the new version is published, the distribution update is in flight
    dev.child.kill('SIGKILL');
    await dev.exited;
    const interrupted = await publishing;
    expect(interrupted.code).not.toBe(0);
    dev = await start();
    const st = await json('status');
    expect(Number(st.body.edge.latestVersion)).toBeGreaterThan(Number(before)); // (dev resets the description publish stamped, which makes one more)
    expect(st.body.edge.behaviors.every((b: { version: string }) => b.version === st.body.edge.latestVersion)).toBe(
      true,
    );
    expect(st.body.problems).toEqual([]);
    const again = await json('publish');
    expect(again.code, again.stderr).toBe(0);
  });
});
