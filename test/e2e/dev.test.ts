// `basicauth dev` end to end through the real binary: the protected demo
// page, show-creds against it, a clean stop, and hard kills.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  DescribeSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { until } from '../helpers/local-cloud.js';
import { runCli } from '../helpers/run-cli.js';
import { basicHeaders as basic } from '../helpers/edge-events.js';

let stateDir: string;
const running: DevProcess[] = [];

let projectDir: string;
beforeEach(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'basicauth-dev-e2e-'));
  stateDir = join(projectDir, '.basicauth', 'local');
});
afterEach(async () => {
  for (const dev of running.splice(0)) {
    dev.child.kill('SIGKILL');
    await dev.exited;
  }
  await rm(projectDir, { recursive: true, force: true });
});

async function dev(extra: string[] = []): Promise<DevProcess> {
  const d = await startDevProcess(stateDir, extra, { cwd: projectDir });
  running.push(d);
  return d;
}

const credentials = async () => {
  const r = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--format', 'curl']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
};
const sm = (endpoint: string) =>
  new SecretsManagerClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

describe('basicauth dev', () => {
  it('protects the demo page: 401 with the realm, 200 with show-creds, 401 with a wrong password', async () => {
    const d = await dev();
    const anonymous = await fetch(d.info.edgeUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="basicauth dev", charset="UTF-8"');
    const creds = await credentials();
    expect(creds).toMatch(/^admin:[A-Za-z0-9_.-]{32}$/);
    const ok = await fetch(d.info.edgeUrl, { headers: basic(creds) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/You are in\./);
    expect((await fetch(d.info.edgeUrl, { headers: basic('admin:wrong') })).status).toBe(401);
    // the password appears nowhere in what dev printed
    expect(d.stderr()).not.toContain(creds.split(':')[1]);
  });

  it("names an operation the local cloud does not implement in its log, once, and answers with the protocol's error", async () => {
    const d = await dev();
    const { ValidateResourcePolicyCommand } = await import('@aws-sdk/client-secrets-manager');
    const error = await sm(d.info.endpoint)
      .send(new ValidateResourcePolicyCommand({ ResourcePolicy: '{}' }))
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'UnknownOperationException' });
    await until(
      () => d.stderr().includes('not implemented by the local cloud: secretsmanager ValidateResourcePolicy'),
      5000,
      'the log line',
    );
    expect(
      d.stderr().split('not implemented by the local cloud: secretsmanager ValidateResourcePolicy').length - 1,
    ).toBe(1);
    // the endpoints refuse a request for another host name (DNS rebinding) and a cross-origin page
    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${d.info.endpoint}/_local/health`);
        request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (res) =>
          resolve(res.statusCode ?? 0),
        )
          .on('error', reject)
          .end();
      });
    expect(await withHost('evil.example:80')).toBe(403);
    expect(await withHost(`localhost:${new URL(d.info.endpoint).port}`)).toBe(200);
    expect(
      (await fetch(`${d.info.endpoint}/_local/health`, { headers: { origin: 'http://evil.example' } })).status,
    ).toBe(403);
    expect((await fetch(`${d.info.endpoint}/_local/health`)).status).toBe(200);
  });

  it('show-creds reads the same through the AWS SDK (the path real AWS takes) as through the light local client', async () => {
    const d = await dev();
    const light = JSON.parse((await runCli(['show-creds', '--local', '--state-dir', stateDir, '--json'])).stdout);
    // not --local: the target is "AWS", reached at the dev's endpoint through AWS_ENDPOINT_URL, as a user of the AWS CLI would
    const env = {
      AWS_ENDPOINT_URL: d.info.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDSDKPATH',
      AWS_SECRET_ACCESS_KEY: 'sdk-path',
      AWS_REGION: 'us-east-1',
    };
    const sdk = await runCli(['show-creds', '--secret-id', 'basicauth/dev', '--json'], { env, cwd: stateDir });
    expect(sdk.code, sdk.stderr).toBe(0);
    const parsed = JSON.parse(sdk.stdout);
    expect(parsed).toEqual({ ...light, site: undefined });
    const missing = await runCli(['show-creds', '--secret-id', 'basicauth/nope', '--json'], { env, cwd: stateDir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/secret basicauth\/nope not found/);
  });

  it('status says the same through the AWS SDK (the path real AWS takes) as through the light local clients', async () => {
    const d = await dev();
    const light = await runCli(['status', '--local', '--state-dir', stateDir, '--json']);
    expect(light.code, light.stderr).toBe(0);
    const env = {
      AWS_ENDPOINT_URL: d.info.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDSDKPATH',
      AWS_SECRET_ACCESS_KEY: 'sdk-path',
      AWS_REGION: 'us-east-1',
    };
    const target = [
      '--secret-id',
      d.info.secretId,
      '--function',
      'basicauth-dev-edge-auth',
      '--distribution',
      d.info.distributionId,
    ];
    const sdk = await runCli(['status', ...target, '--json'], { env, cwd: stateDir });
    expect(sdk.code, sdk.stderr).toBe(0);
    const parsed = JSON.parse(sdk.stdout);
    expect(parsed.edge).toMatchObject({
      latestVersion: '1',
      behaviors: [{ pathPattern: '*', version: '1' }],
      unprotected: [],
    });
    expect(parsed).toEqual(JSON.parse(light.stdout));
    const wrong = await runCli(['status', '--local', '--state-dir', stateDir, '--function', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/no function named nope in us-east-1/);
    const noDistribution = await runCli(['status', '--local', '--state-dir', stateDir, '--distribution', 'ENOPE']);
    expect(noDistribution.stderr).toMatch(/no distribution ENOPE/);
  });

  it('sync says the lambda-edge engine has no store, in text and in --json (exit 1)', async () => {
    await dev();
    const text = await runCli(['sync', '--local', '--state-dir', stateDir]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(
      /this site runs the lambda-edge engine: it has no key value store to sync\n.*fix: sync is for edge.engine "cloudfront-function"/,
    );
    const json = await runCli(['sync', '--local', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/no key value store/), exitCode: 1 },
    });
  });

  it('show-creds speaks every format and explains what it cannot do', async () => {
    const d = await dev();
    const json = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ site: d.info.edgeUrl, stage: 'AWSCURRENT', users: [{ username: 'admin' }] });
    expect(Math.abs(Date.parse(parsed.nextRotation) - Date.parse(parsed.setAt) - 30 * 86_400_000)).toBeLessThan(10_000);
    const url = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--format', 'url']);
    expect(
      (await fetch(url.stdout.trim().replace(/\/\/[^@]+@/, '//'), { headers: basic(await credentials()) })).status,
    ).toBe(200);
    expect(url.stdout).toMatch(/^http:\/\/admin:[^@]+@127\.0\.0\.1:\d+\/\n$/);
    const env = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--format', 'env']);
    expect(env.stdout).toMatch(/^BASICAUTH_USER='admin'\nBASICAUTH_PASSWORD='[^']+'\nBASICAUTH_URL='http/);
    const previous = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--previous']);
    expect(previous.code).toBe(1);
    expect(previous.stderr).toMatch(/no previous password yet/);
    const nobody = await runCli(['show-creds', '--local', '--state-dir', stateDir, '--user', 'nobody']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no user named "nobody"/);
  });

  it('stops cleanly on SIGINT and keeps the same credentials across restarts', async () => {
    const first = await dev();
    const creds = await credentials();
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(stateDir, 'dev.json'))).toBe(false);
    const noDev = await runCli(['show-creds', '--local', '--state-dir', stateDir]);
    expect(noDev.code).toBe(1);
    expect(noDev.stderr).toMatch(/no running `basicauth dev` found/);
    const second = await dev();
    expect(await credentials()).toBe(creds);
    expect((await fetch(second.info.edgeUrl, { headers: basic(creds) })).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await dev(['--fresh']);
    expect(await credentials()).not.toBe(creds);
  });

  it('serves show-creds to a user who set AWS_ENDPOINT_URL themselves', async () => {
    const d = await dev();
    const r = await runCli(['show-creds', '--secret-id', 'basicauth/dev', '--format', 'curl'], {
      env: {
        AWS_ENDPOINT_URL: d.info.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'mine',
        AWS_SECRET_ACCESS_KEY: 'mine',
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(await credentials());
    const noRegion = await runCli(['show-creds', '--secret-id', 'basicauth/dev'], {
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' },
    });
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toMatch(
      /no AWS region\n.*fix: set "region" in basicauth.config.json, AWS_REGION, or pass --region/,
    );
  });

  it('takes the edge and password settings from basicauth.config.json', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(projectDir, 'basicauth.config.json'),
      JSON.stringify({
        name: 'team-site',
        region: 'eu-west-1',
        secret: { usernames: ['alice', 'bob'], passwordLength: 20 },
        edge: { bypassPaths: ['/healthz'] },
        distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
      }),
    );
    const d = await dev();
    const anonymous = await fetch(d.info.edgeUrl);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="team-site", charset="UTF-8"');
    expect((await fetch(`${d.info.edgeUrl}healthz`)).status).toBe(200);
    const shown = JSON.parse((await runCli(['show-creds', '--local', '--state-dir', stateDir, '--json'])).stdout);
    expect(shown.users.map((u: { username: string; password: string }) => [u.username, u.password.length])).toEqual([
      ['alice', 20],
      ['bob', 20],
    ]);
    // in the directory whose config dev runs with, --local means dev's own site
    expect(
      (await runCli(['show-creds', '--local', '--state-dir', stateDir, '--format', 'curl'], { cwd: projectDir })).code,
    ).toBe(0);
    // in another project's directory, never deployed with --local, it acts on nothing: not dev's site instead
    const other = await mkdtemp(join(tmpdir(), 'basicauth-other-project-'));
    try {
      await writeFile(
        join(other, 'basicauth.config.json'),
        JSON.stringify({
          name: 'other-site',
          region: 'eu-west-1',
          distribution: { mode: 'attach', distributionId: 'E2QWRUHAPOMQZL' },
        }),
      );
      const before = await credentials();
      for (const args of [['show-creds'], ['status'], ['rotate', '--now', '--yes'], ['users', 'add', 'carol']]) {
        const r = await runCli([...args, '--local', '--state-dir', stateDir], { cwd: other });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(
          /nothing was deployed with --local from this directory: its basicauth.config.json names the stack "other-site", and the running dev serves its own site \(basicauth\/dev\)\n.*fix: run `basicauth deploy --local --state-dir .*` first, or pass --secret-id basicauth\/dev/,
        );
        expect(r.stdout).not.toMatch(/alice|bob/);
      }
      expect(await credentials()).toBe(before); // nothing rotated, nobody added
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('will not let --fresh delete a directory that is not a state directory', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(projectDir, 'precious.txt'), 'keep me');
    const r = await runCli(['dev', '--fresh', '--state-dir', projectDir, '--port', '0', '--api-port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--fresh would delete .* which does not look like a basicauth state directory/);
    expect(existsSync(join(projectDir, 'precious.txt'))).toBe(true);
  });

  it('refuses a second dev on the same state directory', async () => {
    await dev();
    const r = await runCli(['dev', '--port', '0', '--api-port', '0', '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already running for/);
  });

  it('survives SIGKILL during traffic: state intact, same credentials after restart', async () => {
    const d = await dev();
    const creds = await credentials();
    const traffic = Array.from({ length: 200 }, (_, i) =>
      fetch(d.info.edgeUrl, { headers: basic(i % 2 ? creds : 'admin:wrong') }).catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 20));
    d.child.kill('SIGKILL');
    await Promise.all(traffic);
    await d.exited;
    JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
    const again = await dev();
    expect(await credentials()).toBe(creds);
    expect((await fetch(again.info.edgeUrl, { headers: basic(creds) })).status).toBe(200);
  });

  it('survives SIGKILL during a rotation: the restart completes it', async () => {
    const d = await dev();
    const before = await credentials();
    const rotation = await sm(d.info.endpoint).send(new RotateSecretCommand({ SecretId: d.info.secretId }));
    d.child.kill('SIGKILL');
    await d.exited;
    const killed = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')); // never half-written
    // the kill did land mid-rotation: the new version is still AWSPENDING
    const pending = killed.services.secretsmanager.secrets[0].versions.find(
      (v: { versionId: string }) => v.versionId === rotation.VersionId,
    );
    expect(pending.stages).toEqual(['AWSPENDING']);
    const again = await dev();
    const client = sm(again.info.endpoint);
    await until(
      async () => {
        const stages =
          (await client.send(new DescribeSecretCommand({ SecretId: again.info.secretId }))).VersionIdsToStages ?? {};
        return (
          stages[rotation.VersionId!]?.includes('AWSCURRENT') && !Object.values(stages).flat().includes('AWSPENDING')
        );
      },
      15_000,
      'the interrupted rotation to complete',
    );
    const after = await credentials();
    expect(after).not.toBe(before);
    const current = await client.send(new GetSecretValueCommand({ SecretId: again.info.secretId }));
    expect(JSON.parse(current.SecretString!).username).toBe('admin');
    expect((await fetch(again.info.edgeUrl, { headers: basic(after) })).status).toBe(200);
    expect((await fetch(again.info.edgeUrl, { headers: basic(before) })).status).toBe(401);
  });
});
