// The CLI behaves one way everywhere (#22.7, #22.8): a closed pipe ends a
// command quietly, every usage error is exit 2 and points at the help, the
// region comes from the config, a missing AWS profile is named as missing, and
// build builds the engine the project's config names. No dev, no AWS: a closed
// local port stands in for an endpoint nobody answers.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../stacks/bundle.js';
import { BIN, runCli, runProcess } from '../helpers/run-cli.js';

let dir: string;
let closedPort: number;
const isolated = () => ({
  HOME: dir,
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: join(dir, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'basicauth-consistency-'));
  await writeFile(join(dir, 'aws-config'), '[profile team]\nregion = eu-west-1\n');
  // a port that was free a moment ago: nothing answers there
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function project(name: string, config: Record<string, unknown>): Promise<string> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  await writeFile(
    join(cwd, 'basicauth.config.json'),
    JSON.stringify({
      name,
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
      ...config,
    }),
  );
  return cwd;
}

describe('pipes', () => {
  it('`basicauth build | head -1` ends quietly: no EPIPE, exit 0, every time', async () => {
    const cwd = await project('piped', { region: 'us-east-1' });
    for (let i = 0; i < 6; i++) {
      const r = await runProcess(
        'bash',
        ['-c', `node ${BIN} build | head -1 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`],
        { cwd, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(r.stderr, `run ${i}`).not.toMatch(/EPIPE|Unhandled|node:events/);
      expect(r.stderr, `run ${i}`).toContain('exit=0');
    }
  });
});

describe('usage errors', () => {
  it('are exit 2 with the fix, before anything is read: verify without a URL, a bad --expect, a zero --timeout', async () => {
    const cwd = join(dir, 'empty');
    await mkdir(cwd, { recursive: true });
    const noUrl = await runCli(['verify'], { cwd, env: isolated() });
    expect(noUrl.code, noUrl.stderr).toBe(2);
    expect(noUrl.stderr).toContain('no URL to verify');
    const expectAbc = await runCli(['verify', 'https://staging.example.com/', '--expect', 'abc'], {
      cwd,
      env: isolated(),
    });
    expect(expectAbc.code, expectAbc.stderr).toBe(2);
    expect(expectAbc.stderr).toContain('"abc" is not a status');
    const notUrl = await runCli(['verify', 'not a url', '--user', 'a', '--password', 'b'], { cwd, env: isolated() });
    expect(notUrl.code, notUrl.stderr).toBe(2);
    for (const args of [
      ['rotate', '--now', '--timeout', '0s', '--local'],
      ['publish', '--timeout', '0', '--local'],
      ['verify', 'https://staging.example.com/', '--wait', '0ms', '--user', 'a', '--password', 'b'],
    ]) {
      const r = await runCli(args, { cwd, env: isolated() });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/is no time at all[\s\S]*fix: give it a length/);
    }
  });

  it('an unknown command or option points at the help of the command it came from', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('fix: see `basicauth --help`');
    const sub = await runCli(['users', 'frob']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('fix: see `basicauth users --help`');
    const option = await runCli(['status', '--frob']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('fix: see `basicauth status --help`');
  });

  it('deploy and destroy take --profile, as our own hints say', async () => {
    for (const verb of ['deploy', 'destroy']) {
      const help = await runCli([verb, '--help']);
      expect(help.stdout).toMatch(/--profile <name>/);
    }
  });
});

describe('AWS settings', () => {
  it('the region comes from the config: a project with "region" needs no AWS_REGION', async () => {
    const cwd = await project('regional', { region: 'eu-central-1' });
    const r = await runCli(['status', '--secret-id', 'basicauth/regional'], {
      cwd,
      env: {
        ...isolated(),
        AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}`,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'x',
      },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('no AWS region');
    expect(r.stderr).toMatch(/could not reach 127\.0\.0\.1/);
  });

  it('a profile that does not exist is named as missing, with how to create it; one that exists is not', async () => {
    const cwd = join(dir, 'empty');
    const missing = await runCli(['status', '--profile', 'nope', '--region', 'us-east-1', '--secret-id', 'x'], {
      cwd,
      env: isolated(),
    });
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toContain('the AWS profile nope does not exist');
    expect(missing.stderr).toContain('aws configure --profile nope');
    const present = await runCli(['status', '--profile', 'team', '--region', 'us-east-1', '--secret-id', 'x'], {
      cwd,
      env: isolated(),
    });
    expect(present.code).toBe(1);
    expect(present.stderr).not.toContain('does not exist');
  });
});

describe('build in a project', () => {
  it('builds the engine and the edge settings the config names', async () => {
    const cwd = await project('cff', {
      region: 'eu-west-1',
      edge: { engine: 'cloudfront-function', realm: 'Team CFF' },
    });
    const r = await runCli(['build', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.function).toMatchObject({ bytes: expect.any(Number), limit: 10240 });
    const flagged = await runCli(['build', '--json', '--engine', 'lambda-edge'], { cwd });
    expect(JSON.parse(flagged.stdout).function).toBeUndefined();
  });
});

describe('the README is true', () => {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

  it('publish --help and the README say the same about the next deploy', async () => {
    const help = (await runCli(['publish', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('the next `basicauth deploy` changes no resource');
    expect(readme.replace(/\s+/g, ' ')).toContain('so the next plan changes no resource');
  });

  it("the engines table gives CloudFront's real size limit and our function's size", async () => {
    const cwd = await project('size', { region: 'us-east-1', edge: { engine: 'cloudfront-function' } });
    const built = JSON.parse((await runCli(['build', '--json'], { cwd })).stdout) as {
      function: { bytes: number; limit: number };
    };
    expect(readme).toContain(
      `CloudFront allows ${built.function.limit / 1024} KB of code, ours is about ${(built.function.bytes / 1024).toFixed(1)} KB`,
    );
  });

  it('no source comment points to a file that is not in the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: PACKAGE_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|tsx|js|mjs)$/.test(f));
    const missing: string[] = [];
    for (const file of files) {
      readFileSync(join(PACKAGE_ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!/^\s*(\/\/|\*|\/\*)/.test(line)) return;
          for (const [, path] of line.matchAll(
            /(?<![\w@:/.])((?:[\w.-]+\/)+[\w.-]+\.(?:ts|tsx|js|mjs|json|md|jsonl))\b/g,
          )) {
            if (
              !existsSync(join(PACKAGE_ROOT, path!)) &&
              !existsSync(join(PACKAGE_ROOT, dirname(file), path!)) &&
              !/node_modules|dist\/|^\.basicauth\/|^cdktf\.out\//.test(path!)
            )
              missing.push(`${file}:${i + 1} ${path}`);
          }
          if (/\bDESIGN\.md\b/.test(line)) missing.push(`${file}:${i + 1} DESIGN.md`);
        });
    }
    expect(missing).toEqual([]);
  });
});
