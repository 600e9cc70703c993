// What happens in a real terminal: init asks its questions, deploy asks
// before it changes anything. tmux provides the terminal; skipped without it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevProcess } from '../helpers/dev-process.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { until } from '../helpers/local-cloud.js';
import { missing } from '../helpers/tools.js';

let hasTmux = true;
try {
  execFileSync('tmux', ['-V']);
} catch {
  hasTmux = false;
}

const FAKE = fileURLToPath(new URL('../fixtures/terraform/fake-terraform.mjs', import.meta.url));
let cwd: string;
let session: string;
// A tmux server of this file's own, kept alive between sessions: with the default one, a
// session started just as the last one was killed can meet the server as it exits
// ("server exited unexpectedly").
const SOCKET = `basicauth-tty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
if (hasTmux) tmux('start-server', ';', 'set-option', '-g', 'exit-empty', 'off');
afterAll(() => {
  try {
    if (hasTmux) tmux('kill-server');
  } catch {
    // already gone
  }
});
const screen = () => tmux('capture-pane', '-p', '-t', session);
const waitFor = (text: RegExp) =>
  until(() => text.test(screen()) || undefined, 15_000, `${text} on screen:\n${screen()}`);
const type = (keys: string) => tmux('send-keys', '-t', session, keys, 'Enter');

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'basicauth-tty-'));
  session = `basicauth-${process.pid}-${Date.now()}`;
});
afterEach(async () => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
  await rm(cwd, { recursive: true, force: true });
});

function start(args: string, color: 'NO_COLOR=1' | 'colour' = 'NO_COLOR=1', extraEnv = ''): void {
  const env = `${color === 'colour' ? 'env -u CI -u NO_COLOR' : 'env -u CI NO_COLOR=1'}${extraEnv ? ` ${extraEnv}` : ''}`;
  const command = `cd ${cwd} && ${env} BASICAUTH_TERRAFORM=${FAKE} node ${BIN} ${args}; echo "exit=$?"; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', command);
}

describe.skipIf(missing('tmux', hasTmux))('in a terminal', () => {
  it('draws colours unless NO_COLOR or --no-color says not to', async () => {
    const ansi = /\u001b\[[0-9;]*m/;
    const escapes = () => tmux('capture-pane', '-p', '-e', '-t', session);
    start('build --out out', 'colour');
    await waitFor(/exit=0/);
    expect(escapes()).toMatch(ansi); // the control: colour is on in a terminal
    for (const [args, color] of [
      ['build --out out', 'NO_COLOR=1'],
      ['--no-color build --out out', 'colour'],
      ['build --out out --no-color', 'colour'],
    ] as const) {
      tmux('kill-session', '-t', session);
      start(args, color);
      await waitFor(/exit=0/);
      expect(escapes(), `${args} with ${color}`).not.toMatch(ansi);
      expect(screen()).toMatch(/✔ bundle/);
    }
  });

  it('init asks each question with its default and writes the answers', async () => {
    start('init');
    await waitFor(/Name \(prefix of the AWS resources\) \[basicauth-tty-/);
    type('my-site');
    await waitFor(/Home region \[/);
    type('ap-northeast-1');
    await waitFor(/Existing distribution id/);
    type('');
    await waitFor(/Origin to protect/);
    type('www.example.org');
    await waitFor(/Edge engine: lambda-edge \(Lambda@Edge\), or cloudfront-function[^\n]*\[lambda-edge\]/);
    type('cloudfront-function');
    await waitFor(/Usernames \(comma-separated\) \[admin\]/);
    type('alice,bob');
    await waitFor(/Rotate every N days \[30\]/);
    type('');
    await waitFor(/exit=0/);
    const config = JSON.parse(readFileSync(join(cwd, 'basicauth.config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'my-site',
      region: 'ap-northeast-1',
      secret: { usernames: ['alice', 'bob'] },
      rotation: { days: 30 },
      edge: { engine: 'cloudfront-function' },
      distribution: { origin: { domainName: 'www.example.org' } },
    });
  });

  it('init checks each answer as it is given and asks again, keeping the others; a URL is understood as an origin', async () => {
    start('init');
    await waitFor(/Name \(prefix of the AWS resources\)/);
    type('Bad Name');
    await waitFor(/is not lowercase letters, digits and -[^\n]*: try again/);
    await waitFor(/Name \(prefix of the AWS resources\)[^\n]*\n[\s\S]*Name \(prefix of the AWS resources\)/);
    type('good-name');
    await waitFor(/Home region \[/);
    type('Ireland');
    await waitFor(/is not an AWS region/);
    type('eu-west-1');
    await waitFor(/Existing distribution id/);
    type('');
    await waitFor(/Origin to protect/);
    type('ftp://files.example.com');
    await waitFor(/uses ftp:\/\/: CloudFront reaches origins over https or http: try again/);
    type('https://app.example.com/');
    await waitFor(/Edge engine/);
    type('fastly');
    await waitFor(/the engine is lambda-edge or cloudfront-function[^\n]*: try again/);
    type('');
    await waitFor(/Usernames \(comma-separated\) \[admin\]/);
    type('');
    await waitFor(/Rotate every N days \[30\]/);
    type('0');
    await waitFor(/0 days is out of range/);
    type('7');
    await waitFor(/exit=0/);
    const config = JSON.parse(readFileSync(join(cwd, 'basicauth.config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'good-name',
      region: 'eu-west-1',
      rotation: { days: 7 },
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
    });
  });

  it('deploy shows the plan with its attribute changes and changes nothing when the answer is no', async () => {
    execFileSync(
      process.execPath,
      [BIN, 'init', '--yes', '--name', 'staging', '--region', 'eu-west-1', '--origin', 'app.example.com'],
      { cwd },
    );
    // the attribute changes `basicauth plan` shows, before the question
    start(
      'deploy',
      'NO_COLOR=1',
      `FAKE_TF_SHOW=${fileURLToPath(new URL('../fixtures/terraform/show-update.json', import.meta.url))}`,
    );
    await waitFor(
      /source_code_hash: "abc=" → "def="[\s\S]*Plan: 13 to add, 0 to change, 0 to destroy\.[\s\S]*Apply these changes\? \[y\/N\]/,
    );
    type('n');
    await waitFor(/exit=1/);
    expect(screen()).toMatch(/deploy cancelled: nothing was changed/);
    expect(existsSync(join(cwd, '.basicauth/outputs.json'))).toBe(false);
  });

  it('detach and rotate --now ask first: no changes nothing; without a terminal they need --yes (exit 2)', async () => {
    const dev = await startDevProcess(join(cwd, 'state'), [], { cwd });
    try {
      const local = ['--local', '--state-dir', join(cwd, 'state')];
      const before = (await runCli(['show-creds', ...local, '--format', 'curl'])).stdout;
      start(`detach ${local.join(' ')}`);
      await waitFor(
        /detach opens every cache behavior of distribution \w+ to anyone, without a password\.[\s\S]*Detach\? \[y\/N\]/,
      );
      type('n');
      await waitFor(/exit=1/);
      expect(screen()).toMatch(/cancelled: nothing was changed/);
      const status = await runCli(['status', ...local, '--json']);
      expect(JSON.parse(status.stdout).problems ?? []).toEqual([]);
      tmux('kill-session', '-t', session);
      start(`rotate --now ${local.join(' ')}`);
      await waitFor(/replaces the password of every user[\s\S]*Rotate now\? \[y\/N\]/);
      type('y');
      await waitFor(/exit=0/);
      expect((await runCli(['show-creds', ...local, '--format', 'curl'])).stdout).not.toBe(before);
      // no terminal: a usage error before anything changes
      for (const args of [['detach'], ['rotate', '--now']]) {
        const r = await runCli([...args, ...local], { input: '' });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/no terminal to ask for confirmation[\s\S]*fix: rerun with --yes/);
      }
    } finally {
      dev.child.kill('SIGTERM');
      await dev.exited;
    }
  }, 60_000);
});
