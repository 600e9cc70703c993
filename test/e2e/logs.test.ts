// `basicauth logs` against `basicauth dev`: the edge instances write their
// decisions to the local CloudWatch Logs in regions of their own; logs finds
// the groups in every region, reads and merges them, summarizes, follows,
// and sets retention; the AWS CLI reads the same events.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, haveAwsCli } from '../helpers/aws-cli.js';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { basicHeaders } from '../helpers/edge-events.js';
import { setFaults, clearFaults } from '../helpers/faults.js';
import { runCli } from '../helpers/run-cli.js';
import { missing } from '../helpers/tools.js';

const GROUP = '/aws/lambda/us-east-1.basicauth-dev-edge-auth';
let dir: string;
let dev: DevProcess;
const cli = (...args: string[]) => runCli([...args, '--local', '--state-dir', dev.info.stateDir], { cwd: dir });
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'basicauth-logs-'));
  // dev takes its edge settings from the project's config: a bypass path
  await writeFile(
    join(dir, 'basicauth.config.json'),
    JSON.stringify({
      name: 'logs',
      region: 'us-east-1',
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
      edge: { bypassPaths: ['/healthz'] },
    }),
  );
  // two instances: two regions (us-east-1, eu-west-1)
  dev = await startDevProcess(join(dir, 'state'), ['--instances', '2', '--fault-injection'], { cwd: dir });
});
afterAll(async () => {
  dev?.child.kill('SIGINT');
  await dev?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe('basicauth logs', () => {
  it('shows exactly the decisions made, from two regions, merged in order, never a password', {
    timeout: 120_000,
  }, async () => {
    const creds = (await cli('show-creds', '--format', 'curl')).stdout.trim();
    const password = creds.slice(creds.indexOf(':') + 1);
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(new URL(path, dev.info.edgeUrl), { headers }).then((r) => r.status);
    const since = Date.now();
    // in sequence, so their order is known: right, right, wrong, missing, bypass
    expect(await get('/one', basicHeaders(creds))).toBe(200);
    expect(await get('/two', basicHeaders(creds))).toBe(200);
    expect(await get('/three', basicHeaders('mallory:guess'))).toBe(401);
    expect(await get('/four')).toBe(401);
    expect(await get('/healthz')).toBe(200);
    // the edge writes its info lines once the answer is on its way: look until all five are there
    let out = await json('logs', '--since', '5m');
    for (let tries = 0; out.decisions.length < 5 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      out = await json('logs', '--since', '5m');
    }
    expect(out.groups.map((g: { region: string }) => g.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const ours = out.decisions.filter((d: { time: string }) => Date.parse(d.time) >= since - 1000);
    expect(ours.map((d: Record<string, unknown>) => [d.path, d.outcome, d.reason, d.user])).toEqual([
      ['/one', 'allowed', 'credential', 'admin'],
      ['/two', 'allowed', 'credential', 'admin'],
      ['/three', 'refused', 'wrong-credential', 'mallory'],
      ['/four', 'refused', 'missing', undefined],
      ['/healthz', 'allowed', 'bypass-path', undefined],
    ]);
    // from both regions, in time order
    expect(new Set(ours.map((d: { region: string }) => d.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    const times = ours.map((d: { time: string }) => Date.parse(d.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(out.summary.byReason['refused/wrong-credential']).toBeGreaterThanOrEqual(1);
    expect(out.summary.topRefusedUsers[0]).toEqual({ user: 'mallory', count: 1 });
    expect(out.summary.secretFetches.count).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(out)).not.toContain(password);

    // the filters, and the text form with its summary
    const refused = await json('logs', '--since', '5m', '--decision', 'refused');
    expect(refused.decisions.every((d: { outcome: string }) => d.outcome === 'refused')).toBe(true);
    const mallory = await json('logs', '--since', '5m', '--user', 'mallory');
    expect(mallory.decisions.map((d: { path: string }) => d.path)).toEqual(['/three']);
    const text = await cli('logs', '--since', '5m');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/eu-west-1 +allowed +credential +admin/);
    expect(text.stdout).toMatch(/refused\/wrong-credential +1/);
    expect(text.stdout).toMatch(/2 log groups keep these logs forever \(no retention\): /);
    expect(text.stdout + text.stderr).not.toContain(password);
    const summary = await cli('logs', '--since', '5m', '--summary');
    expect(summary.stdout).not.toMatch(/GET \/one/);
    expect(summary.stdout).toMatch(/most refused usernames\n +mallory +1/);
  });

  it.skipIf(missing('the AWS CLI v2', haveAwsCli))(
    'is what the AWS CLI reads from the local CloudWatch Logs',
    { timeout: 120_000 },
    async () => {
      const r = await awsCli(
        dev.info.endpoint,
        'logs',
        'filter-log-events',
        '--region',
        'eu-west-1',
        '--log-group-name',
        GROUP,
        '--filter-pattern',
        '{ $.event = "decision" }',
      );
      expect(r.code, r.stderr).toBe(0);
      const lines = r
        .json()
        .events.map((e: { message: string }) => JSON.parse(e.message.slice(e.message.indexOf('{'))));
      expect(lines.length).toBeGreaterThan(0);
      expect(
        lines.every((l: { source: string; event: string }) => l.source === 'basicauth-edge' && l.event === 'decision'),
      ).toBe(true);
      const filter = (...args: string[]) =>
        awsCli(
          dev.info.endpoint,
          'logs',
          'filter-log-events',
          '--region',
          'us-east-1',
          '--log-group-name',
          GROUP,
          ...args,
        );
      const limited = await filter('--limit', '1', '--no-paginate');
      expect(limited.json().events).toHaveLength(1);
      expect(limited.json().nextToken).toEqual(expect.any(String));
      const bad = await filter('--filter-pattern', '{ $.a ~ 1 }');
      expect(bad.error).toBe('InvalidParameterException');
    },
  );

  it('waits out throttling, and sets a retention describe-log-groups shows', { timeout: 120_000 }, async () => {
    await setFaults(dev.info.endpoint, [
      { service: 'logs', operation: 'FilterLogEvents', error: 'ThrottlingException', times: 3 },
    ]);
    try {
      const throttled = await cli('logs', '--since', '5m', '--json');
      expect(throttled.code, throttled.stderr).toBe(0);
      expect(throttled.stderr).toMatch(/FilterLogEvents throttled; trying again in \d+ ms/);
      expect(JSON.parse(throttled.stdout).decisions.length).toBeGreaterThan(0);
    } finally {
      await clearFaults(dev.info.endpoint);
    }

    const usage = await cli('logs', '--retention', '31d');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/fix: use one of 1d, 3d, 5d, 7d, 14d, 30d/);
    const set = await json('logs', '--retention', '14d');
    expect(
      set.groups.map((g: { region: string; retentionInDays: number }) => [g.region, g.retentionInDays]).sort(),
    ).toEqual([
      ['eu-west-1', 14],
      ['us-east-1', 14],
    ]);
    const status = await cli('status');
    expect(status.stdout).toMatch(/eu-west-1 \(14 days\)/);
    expect(status.stdout).not.toMatch(/kept forever/);
    expect(JSON.parse((await cli('status', '--json')).stdout).logs.groups).toContainEqual({
      region: 'us-east-1',
      retentionInDays: 14,
    });
    if (haveAwsCli) {
      const described = await awsCli(
        dev.info.endpoint,
        'logs',
        'describe-log-groups',
        '--region',
        'eu-west-1',
        '--log-group-name-prefix',
        GROUP,
      );
      expect(described.json().logGroups[0].retentionInDays).toBe(14);
    }
  });

  it('follows new decisions as they come, one JSON line each', { timeout: 120_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/run-cli.js');
    const child = spawn(
      process.execPath,
      [BIN, 'logs', '--follow', '--since', '1s', '--json', '--local', '--state-dir', dev.info.stateDir],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await fetch(new URL('/followed', dev.info.edgeUrl)).then((r) => r.status)).toBe(401);
    const deadline = Date.now() + 20_000;
    while (!out.includes('/followed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const line = out.split('\n').find((l) => l.includes('/followed'));
    expect(JSON.parse(line as string)).toMatchObject({
      event: 'decision',
      outcome: 'refused',
      reason: 'missing',
      path: '/followed',
    });
  });
});
