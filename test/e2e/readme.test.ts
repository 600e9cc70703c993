// The README's session against `basicauth dev`, run as written: every line of
// its shell block, in order, in a shell, against a real dev started the way
// `npm start` starts it (default state directory in the working directory).
// Only `npx basicauth` (this checkout's bin) and the edge's port (the test's
// dev listens on a free one) are substituted. Then the onboarding lines run
// again: they must keep working after every step the session shows.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATE_DIR } from '../../cli/dev/session.js';
import { PACKAGE_ROOT } from '../../stacks/bundle.js';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { BIN } from '../helpers/run-cli.js';
import { mirrorCliConfig, terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();
const hasAwsCli = existsSync('/usr/bin/aws');

const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

/** The shell block under a heading, one command per line (comments after `#` stay: the shell ignores them). */
function shellBlock(heading: string): string[] {
  const section = README.slice(README.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`no sh block under ${heading} in README.md`);
  return block.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

let cwd: string;
let dev: DevProcess;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'basicauth-readme-'));
  dev = await startDevProcess(join(cwd, DEFAULT_STATE_DIR), ['--deploy-seconds', '1'], { cwd });
});
afterAll(async () => {
  dev?.child.kill('SIGTERM');
  await dev?.exited;
  await rm(cwd, { recursive: true, force: true });
});

function sh(
  line: string,
  dir = cwd,
  env: NodeJS.ProcessEnv = {},
  timeout = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = line
    .replaceAll('npx basicauth', `node ${JSON.stringify(BIN)}`)
    .replaceAll('http://127.0.0.1:8080/', dev.info.edgeUrl)
    .replaceAll('http://127.0.0.1:4599', dev.info.endpoint);
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, timeout },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the README session against basicauth dev', () => {
  it('runs as written, and its onboarding lines keep working after every step', async () => {
    const lines = shellBlock('### A session against `basicauth dev`');
    expect(lines.length).toBeGreaterThan(5);
    const onboarding = lines.filter(
      (line) =>
        (line.startsWith('npx basicauth show-creds --local') && !line.includes('--user')) || line.startsWith('curl '),
    );
    expect(onboarding.length).toBe(2);
    for (const line of [...lines, ...onboarding]) {
      const r = await sh(line);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      if (line.startsWith('curl ')) expect(r.stdout, line).toContain('You are in.');
    }
  });

  it('works from any directory inside the project, like git and wrangler', async () => {
    const deep = join(cwd, 'site', 'assets');
    await mkdir(deep, { recursive: true });
    const r = await sh(
      'npx basicauth show-creds --local --format json > creds.json && npx basicauth verify --local --junit report.xml',
      deep,
    );
    expect(r.code, r.stderr).toBe(0);
    // the paths typed stay where they were typed
    expect(JSON.parse(readFileSync(join(deep, 'creds.json'), 'utf8')).users.length).toBeGreaterThan(0);
    expect(readFileSync(join(deep, 'report.xml'), 'utf8')).toMatch(/<testsuite/);
  });

  it.skipIf(missing('the AWS CLI v2', hasAwsCli))('its AWS CLI example runs as written against dev', async () => {
    const line = /`(AWS_ACCESS_KEY_ID=\S+ [^`]*aws --endpoint-url [^`]*)`/.exec(README)?.[1];
    expect(line).toBeDefined();
    const r = await sh(line!);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).Name).toBe('basicauth/dev');
  });

  it.skipIf(missing('terraform', terraform, why))(
    'its deploy-locally block runs as written, with a local origin',
    { timeout: 600_000 },
    async () => {
      const lines = shellBlock('Try the same deploy on this machine first');
      expect(lines.some((line) => line.includes('--origin http://localhost:3000'))).toBe(true);
      const origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('the app'));
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const port = (origin.address() as AddressInfo).port;
      const env = { TF_CLI_CONFIG_FILE: await mirrorCliConfig(cwd) };
      try {
        for (const line of lines) {
          const r = await sh(line.replaceAll('localhost:3000', `localhost:${port}`), cwd, env, 300_000);
          expect(r.code, `${line}\n${r.stderr}`).toBe(0);
          if (line.includes('verify --local')) expect(r.stdout).toMatch(/✔[\s\S]*✔[\s\S]*✔/);
        }
      } finally {
        origin.close();
      }
    },
  );
});
