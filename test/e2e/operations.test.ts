// rotate, verify, publish, status, users, attach/detach end to end through
// the CLI binary against `basicauth dev` (free ports, own state directory).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFrontClient, GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { setFaults } from '../helpers/faults.js';
import { localCli, runCli } from '../helpers/run-cli.js';
import { until } from '../helpers/local-cloud.js';
import { basicHeaders as basic } from '../helpers/edge-events.js';

let stateDir: string;
let dev: DevProcess;
const local = () => ['--local', '--state-dir', stateDir];
const { cli, json } = localCli(() => stateDir);
const creds = async (...extra: string[]) => (await cli('show-creds', '--format', 'curl', ...extra)).stdout.trim();
const aws = () => ({
  region: 'us-east-1',
  endpoint: dev.info.endpoint,
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'basicauth-ops-'));
  dev = await startDevProcess(
    stateDir,
    ['--fault-injection', '--instances', '4', '--cache-ttl', '6', '--refresh-interval', '1', '--deploy-seconds', '1'],
    { quiet: false },
  );
});
afterAll(async () => {
  dev.child.kill('SIGINT');
  await dev.exited;
  await rm(stateDir, { recursive: true, force: true });
});

// The local edge spreads requests round-robin: four requests reach the four instances.
async function acceptedByInstances(userPass: string): Promise<number> {
  let ok = 0;
  for (let i = 0; i < 4; i++) if ((await fetch(dev.info.edgeUrl, { headers: basic(userPass) })).status === 200) ok++;
  return ok;
}

/**
 * Polls in rounds of four requests until `want` instances accept `userPass`.
 * Rounds are judged by when they were sent, so a slow CLI or a loaded machine
 * does not count against the edge: every round sent later than `withinMs`
 * after `since` must already show `want`. Returns the send time (ms after
 * `since`) of the first round that did.
 */
async function roundsUntil(
  userPass: string,
  want: 0 | 4,
  since: number,
  withinMs: number,
  what: string,
): Promise<number> {
  for (;;) {
    const sent = Date.now() - since;
    const accepted = await acceptedByInstances(userPass);
    if (sent > withinMs)
      expect(accepted, `${what}: ${accepted} of 4 instances accepted in a round sent ${sent} ms after`).toBe(want);
    if (accepted === want) return sent;
    await new Promise((res) => setTimeout(res, 100));
  }
}
// The dev below runs with a refresh interval of 1 s and a TTL of 6 s: a refresh
// that did not happen shows as a refusal between REFRESH + SLACK and the TTL.
const REFRESH = 1000;
const TTL = 6000;
const SLACK = 1500;

describe('rotate --now', () => {
  it('rotates; every instance accepts the new password within the refresh interval and refuses the old one after the TTL', async () => {
    const before = await creds();
    expect(await acceptedByInstances(before)).toBe(4);
    const r = await json('rotate', '--now', '--yes');
    expect(r.code, r.stderr).toBe(0);
    // measured from the moment the new version became current
    const started = Date.parse(r.body.finishedAt);
    expect(r.body).toMatchObject({
      status: 'rotated',
      versionId: expect.any(String),
      previousVersionId: expect.any(String),
    });
    const after = await creds();
    expect(after).not.toBe(before);
    const allNew = await roundsUntil(after, 4, started, REFRESH + SLACK, 'new password');
    const oldRefused = await roundsUntil(before, 0, started, TTL + SLACK, 'old password');
    console.info(
      `rotate --now: new password accepted by all 4 instances after ${allNew} ms, old refused by all after ${oldRefused} ms`,
    );
  });

  it('lets one of two concurrent rotations through and gives the other a clear error', async () => {
    // a slow createSecret makes sure the two overlap, however loaded the machine is
    await setFaults(dev.info.endpoint, [
      { service: 'lambda', operation: 'Invoke', step: 'createSecret', latencyMs: 1500, times: 1 },
    ]);
    const [a, b] = await Promise.all([cli('rotate', '--now', '--yes'), cli('rotate', '--now', '--yes')]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect((a.code ? a : b).stderr).toMatch(
      /a previous rotation has not finished|another rotation started at the same moment/,
    );
  });

  it('reports a failing rotation, flags it in status, and --recover completes it once fixed', async () => {
    const lambda = new LambdaClient(aws());
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'basicauth-dev-rotate',
        Environment: { Variables: { BASICAUTH_PASSWORD_LENGTH: '3' } },
      }),
    );
    const before = await creds();
    const failed = await cli('rotate', '--now', '--yes', '--timeout', '10s');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/the rotation failed at createSecret: BASICAUTH_PASSWORD_LENGTH is "3"/);
    expect(failed.stderr).toMatch(/the current password still works/);
    expect(await creds()).toBe(before);
    const status = await json('status');
    expect(status.code).toBe(1);
    expect(status.body.problems).toContainEqual(
      expect.objectContaining({ severity: 'error', message: expect.stringMatching(/failed at createSecret/) }),
    );
    const refused = await cli('rotate', '--now', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a previous rotation has not finished: version .* holds AWSPENDING since/);
    expect(refused.stderr).toMatch(/rotate --now --recover/);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'basicauth-dev-rotate', Environment: { Variables: {} } }),
    );
    const recovered = await json('rotate', '--now', '--yes', '--recover');
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.body.clearedPendingVersionId).toEqual(expect.any(String));
    expect(await creds()).not.toBe(before);
    expect((await json('status')).code).toBe(0);
  });

  it('changes the schedule without rotating, and refuses bad ones', async () => {
    const before = await creds();
    const r = await json('rotate', '--schedule', 'rate(7 days)');
    expect(r.code, r.stderr).toBe(0);
    expect(Date.parse(r.body.nextRotation)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(await creds()).toBe(before);
    const bad = await cli('rotate', '--schedule', 'rate(1 hours)');
    expect(bad.code).toBe(2); // checked before anything is sent, as Secrets Manager would refuse it
    expect(bad.stderr).toMatch(/too often: Secrets Manager rotates at most every 4 hours/);
    expect((await cli('rotate')).code).toBe(2);
  });
});

describe('verify', () => {
  it('passes against dev and writes JUnit', async () => {
    const junit = join(stateDir, 'junit.xml');
    const r = await json('verify', '--junit', junit);
    expect(r.code, r.stderr).toBe(0);
    expect(r.body.ok).toBe(true);
    expect(r.body.checks.map((c: { name: string }) => c.name)).toEqual([
      'no credentials',
      'wrong credentials',
      'current credentials',
      'search engines',
    ]);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuite name="basicauth verify [^"]+" tests="4" failures="0"/);
  });

  it('fails for the right reason: an unprotected origin, a wrong realm, a wrong expected status', async () => {
    // the local endpoint's health page stands in for a site without Basic auth
    const unprotected = await runCli([
      'verify',
      `http://127.0.0.1:${new URL(dev.info.endpoint).port}/_local/health`,
      '--json',
      ...local(),
    ]);
    expect(unprotected.code).toBe(1);
    expect(JSON.parse(unprotected.stdout).checks[0].reason).toMatch(/got 200, expected 401: the site is not protected/);
    const realm = await json('verify', '--realm', 'Production');
    expect(realm.code).toBe(1);
    expect(realm.body.checks[0].reason).toBe('realm is "basicauth dev", expected "Production"');
    const expectation = await json('verify', '--expect', '204,3xx');
    expect(expectation.code).toBe(1);
    expect(expectation.body.checks[2].reason).toBe('got 200 with the current password, expected 204,3xx');
    const table = await cli('verify', '--expect', '204');
    expect(table.stdout).toMatch(/✖ current credentials +200 .*expected 204\nFAIL http/);
  });

  it('takes credentials from flags or BASICAUTH_USER/BASICAUTH_PASSWORD without reading the secret', async () => {
    const [user, password] = (await creds()).split(':') as [string, string];
    const r = await runCli(['verify', dev.info.edgeUrl, '--json'], {
      env: { BASICAUTH_USER: user, BASICAUTH_PASSWORD: password },
    });
    expect(r.code, r.stderr).toBe(0);
    const wrong = await runCli(['verify', dev.info.edgeUrl, '--user', user, '--password', 'nope', '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).checks[2]).toMatchObject({ ok: false, status: 401 });
    // from standard input: out of ps and shell history
    const piped = await runCli(['verify', dev.info.edgeUrl, '--user', user, '--password-stdin', '--json'], {
      input: `${password}\n`,
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(
      (await runCli(['verify', dev.info.edgeUrl, '--password', 'x', '--password-stdin'], { input: 'x' })).code,
    ).toBe(2);
  });

  it('refuses to send credentials over plain http:// to another host unless asked', async () => {
    const r = await runCli(['verify', 'http://staging.example.invalid/', '--user', 'admin', '--password', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /refusing to send credentials over plain http:\/\/ to staging\.example\.invalid: anyone on the way can read them\n.*fix: use https:\/\/staging\.example\.invalid\/, or pass --allow-http/,
    );
  });
});

describe('status names what does not exist', () => {
  it('a function or a distribution that is not there: exit 1, named, with the fix', async () => {
    const fn = await cli('status', '--function', 'nope');
    expect(fn.code).toBe(1);
    expect(fn.stderr).toMatch(/no function named nope in us-east-1\n.*fix: check --function/);
    const dist = await cli('status', '--distribution', 'ENOPE');
    expect(dist.code).toBe(1);
    expect(dist.stderr).toMatch(/no distribution ENOPE\n.*fix: check --distribution/);
  });
});

describe('verify names why a request failed', () => {
  it('refused, DNS, an unsupported scheme (usage, exit 2) and no dev running', async () => {
    const refused = await runCli(['verify', 'http://127.0.0.1:1/', '--user', 'a', '--password', 'b']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('connection refused by 127.0.0.1:1');
    const dns = await runCli(['verify', 'https://no-such-host.invalid/', '--user', 'a', '--password', 'b', '--json']);
    expect(dns.code).toBe(1);
    expect(JSON.parse(dns.stdout).checks[0].reason).toBe('DNS: no such host no-such-host.invalid');
    const ftp = await runCli(['verify', 'ftp://files.example.com/x', '--user', 'a', '--password', 'b']);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatch(
      /verify speaks https:\/\/ and http:\/\/, not ftp:\/\/\n.*fix: pass it as https:\/\/files\.example\.com\/x/,
    );
    const noDev = await runCli(['verify', '--local', '--state-dir', join(tmpdir(), 'basicauth-no-dev-here')]);
    expect(noDev.code).toBe(1);
    expect(noDev.stderr).toMatch(/no running `basicauth dev` found/);
  });

  it('follows redirects when asked, without carrying credentials to another origin', async () => {
    const seen: Array<string | undefined> = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://localhost:${(other.address() as AddressInfo).port}/landing`;
    const site = createServer((req, res) => {
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      if (req.headers.authorization !== `Basic ${Buffer.from('a:right').toString('base64')}`)
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      res.writeHead(302, { location: otherUrl }).end();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
      const verify = (...extra: string[]) =>
        runCli(['verify', url, '--user', 'a', '--password', 'right', '--json', ...extra]);
      const unfollowed = await verify('--expect', '3xx', '--allow-indexing');
      expect(unfollowed.code, unfollowed.stdout).toBe(0);
      const followed = await verify('--follow-redirects', '--allow-indexing');
      expect(followed.code, followed.stdout).toBe(0);
      // without --allow-indexing, an answer without X-Robots-Tag fails the search-engines check, saying so
      const indexable = await verify('--expect', '3xx');
      expect(indexable.code).toBe(1);
      expect(JSON.parse(indexable.stdout).checks.at(-1)).toMatchObject({
        name: 'search engines',
        ok: false,
        reason: expect.stringMatching(/no "X-Robots-Tag: noindex" on the answer/),
      });
      expect(seen).toEqual([undefined]);
    } finally {
      site.close();
      other.close();
    }
  });
});

describe('publish', () => {
  it('publishes a new version, re-points every behavior that runs it, and the edge cold-starts', async () => {
    // give the distribution a second behavior that runs the function too
    const cf = new CloudFrontClient(aws());
    const current = await cf.send(new GetDistributionConfigCommand({ Id: dev.info.distributionId }));
    const config = current.DistributionConfig!;
    config.CacheBehaviors = {
      Quantity: 1,
      Items: [{ ...structuredClone(config.DefaultCacheBehavior!), PathPattern: '/api/*' }],
    };
    await cf.send(
      new UpdateDistributionCommand({ Id: dev.info.distributionId, IfMatch: current.ETag, DistributionConfig: config }),
    );
    const before = (await json('status')).body.edge;
    const r = await json('publish');
    expect(r.code, r.stderr).toBe(0);
    expect(Number(r.body.version)).toBe(Number(before.latestVersion) + 1);
    expect(r.body.behaviors).toEqual([
      { pathPattern: '*', from: before.latestVersion, to: r.body.version },
      { pathPattern: '/api/*', from: before.latestVersion, to: r.body.version },
    ]);
    expect(r.body.status).toBe('Deployed');
    const after = (await json('status')).body.edge;
    expect(after.behaviors.map((b: { version: string }) => b.version)).toEqual([r.body.version, r.body.version]);
    // the first request after publish is the new version's cold start, on both behaviors
    expect((await fetch(`${dev.info.edgeUrl}api/x`, { headers: basic(await creds()) })).status).toBe(200);
    // (the edge writes its info lines once the answer is on its way)
    const coldFetch = new RegExp(`\\[basicauth-dev-edge-auth:${r.body.version}#1\\] secret\\.fetch .*cause=cold`);
    await until(() => coldFetch.test(dev.stderr()), 5000, 'the new version logging its cold fetch');
  });
});

describe('users', () => {
  it('adds, lists and removes users; each works at the edge on its own', async () => {
    const added = await json('users', 'add', 'alice');
    expect(added.code, added.stderr).toBe(0);
    expect(added.body.users).toEqual(['admin', 'alice']);
    expect(added.stdout).not.toMatch(/"password"/);
    const addedAt = Date.now();
    const alice = await creds('--user', 'alice');
    const admin = await creds('--user', 'admin');
    // a new user works on every instance within the refresh interval
    await roundsUntil(alice, 4, addedAt, REFRESH + SLACK, 'new user');
    expect(await acceptedByInstances(admin)).toBe(4);
    const list = await json('users', 'list');
    expect(list.body.map((u: { username: string }) => u.username)).toEqual(['admin', 'alice']);
    expect((await cli('users', 'add', 'alice')).stderr).toMatch(/already exists/);
    const colon = await cli('users', 'add', 'a:b');
    expect(colon.code).toBe(2);
    expect(colon.stderr).toMatch(/username "a:b" is not letters, digits, ".", "_" and "-"/);
    const removed = await json('users', 'remove', 'alice');
    expect(removed.body.users).toEqual(['admin']);
    await roundsUntil(alice, 0, Date.now(), TTL + SLACK, 'removed user');
    expect(await acceptedByInstances(admin)).toBe(4);
    expect((await cli('users', 'remove', 'admin')).stderr).toMatch(/only user/);
  });
});

describe('attach and detach', () => {
  it('removes and restores the protection of every behavior; status names each unprotected one', async () => {
    const detached = await json('detach', '--yes');
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.body.behaviors).toEqual(['*', '/api/*']);
    expect((await fetch(dev.info.edgeUrl)).status).toBe(200); // unprotected now
    const status = await json('status');
    expect(status.code).toBe(1);
    expect(status.body.problems.map((p: { message: string }) => p.message)).toEqual([
      expect.stringMatching(
        /cache behavior \* runs no version of basicauth-dev-edge-auth: its requests skip the password check/,
      ),
      expect.stringMatching(/cache behavior \/api\/\* runs no version/),
    ]);
    expect(status.body.edge.unprotected).toEqual(['*', '/api/*']);
    // attach protects every behavior unless one is named
    const attached = await json('attach');
    expect(attached.body.behaviors).toEqual(['*', '/api/*']);
    expect((await fetch(dev.info.edgeUrl)).status).toBe(401);
    expect((await fetch(`${dev.info.edgeUrl}api/x`)).status).toBe(401);
    const again = await json('attach');
    expect(again.body.behaviors).toEqual([]);
    expect((await json('status')).body.problems).toEqual([]);
    const unknown = await cli('attach', '--leave-unprotected', '/nope/*');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no cache behavior \/nope\/\* to leave unprotected\n.*its behaviors: \*, \/api\/\*/);
    // the old flag that only protected the default behavior is gone; --version no longer collides with the global one
    expect((await cli('attach', '--path-pattern', '/api/*')).code).toBe(2);
    const pinned = await json('attach', '--function-version', '1', '--replace');
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.body.function).toMatch(/:1$/);
  });
});
