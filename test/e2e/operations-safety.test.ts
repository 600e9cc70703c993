// Operations a team can trust (#22), with the real terraform against `basicauth dev`,
// in a project whose config is not the default file and whose dev keeps its state
// elsewhere, so every printed next step needs --config and --state-dir to work:
// Ctrl-C in a terminal (tmux) during deploy stops terraform cleanly and names the
// command that finishes the job; the commands printed work when pasted; plan
// shows attribute changes and changes nothing; a held state lock is explained;
// after destroy, what is said about the secret is what Secrets Manager says.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { until } from '../helpers/local-cloud.js';
import { BIN, runCli, runProcess } from '../helpers/run-cli.js';
import { mirrorCliConfig, terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();
let hasTmux = true;
try {
  execFileSync('tmux', ['-V']);
} catch {
  hasTmux = false;
}

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const SOCKET = `basicauth-safety-${process.pid}`;
const SESSION = 'safety';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', SESSION);
const waitFor = (text: RegExp, ms = 120_000) =>
  until(() => text.test(screen()) || undefined, ms, `${text} on screen:\n${screen()}`);

let root: string;
let dir: string;
let stateDir: string;
let dev: DevProcess;
let env: NodeJS.ProcessEnv;
/** the deployed site, as deploy printed it */
let siteUrl = '';
const aim = () => ['--local', '--state-dir', stateDir, '--config', 'staging.json'];
const cli = (...args: string[]) => runCli(args, { cwd: dir, env });
/** A command basicauth printed, run as pasted (`npx basicauth` is this checkout's bin). */
const paste = (line: string, extra = '') =>
  runProcess('sh', ['-c', `${line.replace(/^(npx )?basicauth /, `node ${JSON.stringify(BIN)} `)}${extra}`], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
/** Processes whose working directory is inside `path` (terraform and its provider run in the stack directory). */
const runningIn = (path: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(path);
      } catch {
        return false;
      }
    });

beforeAll(async () => {
  if (!terraform || !hasTmux) return;
  root = await mkdtemp(join(tmpdir(), 'basicauth-safety-'));
  dir = join(root, 'project');
  stateDir = join(root, 'dev-state');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(
    join(dir, 'staging.json'),
    JSON.stringify({
      name: 'safety',
      region: 'us-east-1',
      distribution: {
        mode: 'create',
        origin: { type: 'custom', domainName: 'localhost', protocol: 'http-only', httpPort: 9 },
      },
    }),
  );
  env = { TF_CLI_CONFIG_FILE: await mirrorCliConfig(root) };
  dev = await startDevProcess(stateDir, ['--deploy-seconds', '4'], { cwd: dir }); // a window for the publish interrupt
  tmux('start-server', ';', 'set-option', '-g', 'exit-empty', 'off');
}, 60_000);

afterAll(async () => {
  try {
    if (hasTmux) tmux('kill-server');
  } catch {
    // already gone
  }
  if (dev) {
    dev.child.kill('SIGTERM');
    await dev.exited;
  }
  if (root) await rm(root, { recursive: true, force: true });
});

describe.skipIf(missing('terraform', terraform, why) || missing('tmux', hasTmux))('operations a team can trust', () => {
  it('Ctrl-C during deploy stops terraform cleanly and names the next step; that step, pasted, finishes the deploy', {
    timeout: 600_000,
  }, async () => {
    const command = `cd ${dir} && env -u CI NO_COLOR=1 TF_CLI_CONFIG_FILE=${env.TF_CLI_CONFIG_FILE} node ${BIN} deploy ${aim().join(' ')} --yes; echo "exit=$?"; sleep 600`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '400', '-y', '60', command);
    await waitFor(/✔ create aws_/);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor(/exit=130/);
    const text = screen();
    expect(text).toContain('terraform apply is stopping cleanly');
    expect(text).toContain(
      'interrupted: terraform apply stopped cleanly: the state holds everything it created or changed before the stop',
    );
    // terraform and its provider stopped with it: nothing runs in the stack directory any more
    await until(() => runningIn(stateDir).length === 0 || undefined, 10_000, 'no process left in the state directory');
    const deployAgain = /(basicauth deploy --local --state-dir \S+ --config \S+) finishes it/.exec(text)?.[1];
    expect(deployAgain, text).toBe(`basicauth deploy --local --state-dir ${stateDir} --config staging.json`);
    // pasted into a terminal it would ask; here there is none, so the answer goes on the line
    const finished = await paste(deployAgain!, ' --yes');
    expect(finished.code, finished.stderr).toBe(0);
    siteUrl = /^Deployed\. Site: (\S+)$/m.exec(finished.stdout)?.[1] ?? '';
    const credentials = /Credentials: (npx basicauth show-creds.*)$/m.exec(finished.stdout)?.[1];
    expect(credentials).toBe(`npx basicauth show-creds --local --state-dir ${stateDir} --config staging.json`);
    const shown = await paste(credentials!, ' --format curl');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^admin:\S{20,}\n$/);
  });

  it('the next steps printed after users add work when pasted', { timeout: 120_000 }, async () => {
    const added = await cli('users', 'add', 'bob', ...aim());
    expect(added.code, added.stderr).toBe(0);
    const next = /Their password: (basicauth show-creds .*)$/m.exec(added.stdout)?.[1];
    expect(next).toBe(`basicauth show-creds --user bob --local --state-dir ${stateDir} --config staging.json`);
    const shown = await paste(next!);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('bob');
  });

  it.skipIf(missing('chromium', hasChromium))(
    'the dashboard shows each site on its own (a column and a filter) and fits a 390 px phone and a 1280 px laptop',
    { timeout: 120_000 },
    async () => {
      const siteId = (
        JSON.parse(readFileSync(join(stateDir, 'deployments', 'safety', 'outputs.json'), 'utf8')) as {
          distributionId: string;
        }
      ).distributionId;
      const devId = dev.info.distributionId;
      expect(siteId).not.toBe(devId);
      // one request to each site, with a path that says which
      await fetch(new URL('/to-the-deployed-site', siteUrl));
      await fetch(new URL('/to-devs-own-site', dev.info.edgeUrl));
      const browser = await launchChromium();
      try {
        for (const width of [390, 1280]) {
          const page = await browser.newPage({ viewport: { width, height: 900 } });
          await page.goto(dev.info.dashboardUrl!);
          await until(
            async () => ((await page.textContent('#decisions'))?.includes('/to-devs-own-site') ? true : undefined),
            10_000,
            'both decisions on the dashboard',
          );
          expect(await page.textContent('#decisions')).toContain('/to-the-deployed-site');
          // nothing wider than the screen, nothing cut inside a card
          const overflow = (await page.evaluate(`({
          page: document.documentElement.scrollWidth - window.innerWidth,
          cards: [...document.querySelectorAll('section')].map((s) => s.scrollWidth - s.clientWidth),
        })`)) as { page: number; cards: number[] };
          expect(overflow.page, `page wider than ${width} px`).toBeLessThanOrEqual(0);
          for (const card of overflow.cards) expect(card, `a card cut at ${width} px`).toBeLessThanOrEqual(1);
          await page.screenshot({ path: join(ARTIFACTS, `dashboard-${width}.png`), fullPage: true });
          // the filter: one site's decisions and instances only
          await page.selectOption('#filter', siteId);
          const decisions = (await page.textContent('#decisions')) ?? '';
          expect(decisions).toContain('/to-the-deployed-site');
          expect(decisions).not.toContain('/to-devs-own-site');
          expect(decisions).not.toContain(devId);
          expect((await page.textContent('#instances')) ?? '').not.toContain('basicauth-dev-edge-auth');
          await page.selectOption('#filter', devId);
          expect((await page.textContent('#decisions')) ?? '').not.toContain('/to-the-deployed-site');
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
  );

  it('plan shows the attribute changes of an edited config, without a terminal, and changes nothing', {
    timeout: 300_000,
  }, async () => {
    const clean = await cli('plan', ...aim(), '--json');
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ changed: false, resources: [] });
    const config = JSON.parse(readFileSync(join(dir, 'staging.json'), 'utf8'));
    writeFileSync(join(dir, 'staging.json'), JSON.stringify({ ...config, edge: { realm: 'Staging only' } }));
    const edited = await cli('plan', ...aim());
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(
      /~ {3}aws_lambda_function\.edge_function_\w+ {2}\(update in place\)\n(\s+.+\n)*\s+source_code_hash: "[^"]+" → "[^"]+"/,
    );
    expect(edited.stdout).toMatch(/version: "1" → \(known after apply\)/);
    expect(edited.stdout).toContain(`To apply: basicauth deploy --local --state-dir ${stateDir} --config staging.json`);
    // nothing was applied: the same plan again
    const again = await cli('plan', ...aim(), '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: true, change: 2 });
  });

  it('publish interrupted while CloudFront deploys says what was done, what was under way, and what to run', {
    timeout: 120_000,
  }, async () => {
    const child = spawn(process.execPath, [BIN, 'publish', ...aim()], {
      cwd: dir,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    // the version is published and the distribution re-pointed; CloudFront is still deploying
    await until(
      () => /✔ point the distribution/.test(stderr) || undefined,
      60_000,
      `publish to re-point the distribution:\n${stderr}`,
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(
      /error: interrupted: publish stopped\n {2}done: publish a new function version \(safety-edge-auth:\d+\); point the distribution \w+ at version \d+ \(1 behavior\)/,
    );
    expect(stderr).toContain(
      'under way (it may or may not have taken effect): wait until the distribution is Deployed',
    );
    expect(stderr).toContain(
      `next: basicauth status --local --state-dir ${stateDir} --config staging.json shows what the distribution runs`,
    );
  });

  it('a deploy that meets another holding the state lock says who holds it and how to release a stale one', {
    timeout: 300_000,
  }, async () => {
    const stackDir = join(stateDir, 'deployments', 'safety', 'cdktf.out', 'stacks', 'basicauth');
    // an interactive `terraform apply` waiting for its answer holds the lock
    const holder = spawn('terraform', ['apply', '-input=true'], {
      cwd: stackDir,
      env: { ...process.env, ...env, TF_IN_AUTOMATION: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let said = '';
    holder.stdout.on('data', (c) => (said += c));
    try {
      await until(() => /Enter a value/.test(said) || undefined, 120_000, 'the holding apply to ask');
      const blocked = await cli('deploy', ...aim(), '--yes');
      expect(blocked.code, blocked.stderr).toBe(1);
      expect(blocked.stderr).toMatch(
        /another deploy holds the state lock \(an apply by \S+ since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/,
      );
      expect(blocked.stderr).toMatch(
        new RegExp(`release the lock: cd ${stackDir.replace(/[.]/g, '\\.')} && terraform force-unlock [0-9a-f-]{36}`),
      );
    } finally {
      holder.stdin.end('no\n');
      await new Promise((r) => holder.on('close', r));
    }
  });

  it('after destroy, the secret is described as Secrets Manager has it, by destroy and by status', {
    timeout: 300_000,
  }, async () => {
    const destroyed = await cli('destroy', ...aim(), '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toMatch(
      /The secret basicauth\/safety is scheduled for deletion and stays recoverable until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 7 days\)/,
    );
    const again = await cli('destroy', ...aim(), '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to destroy');
    expect(again.stdout).toContain('is scheduled for deletion');
    expect(again.stdout).not.toContain('deleted for good');
    const status = await cli('status', '--local', '--state-dir', stateDir, '--secret-id', 'basicauth/safety');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('the secret is scheduled for deletion');
    expect(status.stderr).toMatch(/fix: basicauth deploy --local --state-dir \S+ offers to restore it/);
    expect(status.stderr).not.toContain('fix what AWS names above');
  });
});
