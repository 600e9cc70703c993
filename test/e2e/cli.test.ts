import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'basicauth-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('basicauth', () => {
  it('--help lists the commands that exist, each with a description, on stdout', async () => {
    const r = await runCli(['--help'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: basicauth/);
    expect(r.stdout).toMatch(/build \[options\]\s+bundle the edge and rotation handlers/);
    expect(r.stderr).toBe('');
  });

  it('--version prints the version', async () => {
    const r = await runCli(['--version'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a missing command is a usage error: help on stderr, exit 2; asked-for help is exit 0', async () => {
    for (const args of [[], ['users']]) {
      const r = await runCli(args, { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Usage: basicauth/);
    }
    for (const args of [['help'], ['help', 'users'], ['users', '--help']])
      expect((await runCli(args, { cwd })).code, args.join(' ')).toBe(0);
  });

  it('checks arguments before doing anything: bad schedules, origins, durations and busy ports', async () => {
    const state = join(cwd, 'never-created');
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['dev', '--rotate-every', '0', '--state-dir', state],
        2,
        /--rotate-every: 0 days is out of range: rotate every 1 to 1000 days/,
      ],
      [
        ['dev', '--rotate-every', 'rate(1 hours)', '--state-dir', state],
        2,
        /too often: Secrets Manager rotates at most every 4 hours/,
      ],
      [['dev', '--rotate-every', 'weekly', '--state-dir', state], 2, /"weekly" is not a schedule/],
      [['dev', '--origin', 'not-a-url', '--state-dir', state], 2, /--origin not-a-url is not a URL/],
      [
        ['dev', '--origin', 'https://app.example.com/app', '--state-dir', state],
        2,
        /must not have a path or query: use https:\/\/app\.example\.com/,
      ],
      [
        ['rotate', '--now', '--timeout', 'banana', '--local', '--state-dir', state],
        2,
        /--timeout banana is not a duration/,
      ],
      [['rotate', '--schedule', 'cron(0 4 * *)', '--local', '--state-dir', state], 2, /cron needs six fields/],
      [['verify', 'not-a-url', '--user', 'a', '--password', 'b'], 2, /not-a-url is not a URL/],
      [['users', 'add', ' bob ', '--local', '--state-dir', state], 2, /username " bob " is not letters, digits/],
      [
        ['init', '--yes', '--name', 'Bad', '--config', join(state, 'c.json')],
        2,
        /--name "Bad": is not lowercase letters/,
      ],
      [
        ['init', '--yes', '--name', 'ok-name', '--origin', 'ftp://x.example.com', '--config', join(state, 'c.json')],
        2,
        /--origin "ftp:\/\/x\.example\.com": uses ftp:\/\//,
      ],
      [
        [
          'init',
          '--yes',
          '--name',
          'ok-name',
          '--origin',
          'app.example.com',
          '--days',
          '0',
          '--config',
          join(state, 'c.json'),
        ],
        2,
        /--days "0": 0 days is out of range/,
      ],
      [['users', 'add', 'bøb', '--local', '--state-dir', state], 2, /username "bøb" is not letters, digits/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args, { cwd });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(state)).toBe(false);
  });

  it('with --json, a failure is one JSON document on stdout too, with the exit code', async () => {
    const noDev = await runCli(['status', '--json', '--local', '--state-dir', join(cwd, 'no-dev')], { cwd });
    expect(noDev.code).toBe(1);
    expect(JSON.parse(noDev.stdout)).toEqual({
      ok: false,
      error: {
        message: expect.stringMatching(/no running `basicauth dev` found/),
        hint: expect.stringMatching(/start it with/),
        exitCode: 1,
      },
    });
    const usage = await runCli(['dev', '--port', 'abc', '--json'], { cwd });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/--port must be a whole number/), exitCode: 2 },
    });
    const format = await runCli(['show-creds', '--format', 'json', '--local', '--state-dir', join(cwd, 'no-dev')], {
      cwd,
    });
    expect(JSON.parse(format.stdout).ok).toBe(false);
    const text = await runCli(['status', '--local', '--state-dir', join(cwd, 'no-dev')], { cwd });
    expect(text.stdout).toBe(''); // without --json, stdout stays clean
  });

  it('init understands an origin given as a URL', async () => {
    const file = join(cwd, 'from-url.json');
    const r = await runCli(
      [
        'init',
        '--yes',
        '--name',
        'site',
        '--region',
        'eu-west-1',
        '--origin',
        'https://app.example.com/',
        '--config',
        file,
        '--json',
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).distribution).toEqual({
      mode: 'create',
      origin: { type: 'custom', domainName: 'app.example.com' },
      priceClass: 'PriceClass_100',
    });
    const plain = await runCli(
      [
        'init',
        '--yes',
        '--name',
        'site',
        '--origin',
        'http://legacy.example.com:8080',
        '--config',
        join(cwd, 'http.json'),
        '--json',
      ],
      { cwd },
    );
    expect(JSON.parse(plain.stdout).distribution.origin).toEqual({
      type: 'custom',
      domainName: 'legacy.example.com',
      protocol: 'http-only',
      httpPort: 8080,
    });
  });

  it('refuses a busy --port or --api-port before creating anything (exit 1, the fix named)', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = String((busy.address() as { port: number }).port);
    try {
      for (const flag of ['--port', '--api-port']) {
        const state = join(cwd, `busy${flag}`);
        const other = flag === '--port' ? '--api-port' : '--port';
        const r = await runCli(['dev', flag, port, other, '0', '--state-dir', state], { cwd });
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(
            `port ${port} on 127\\.0\\.0\\.1 is in use[^\\n]*\\n.*fix: stop what uses it, or pass another ${flag}`,
          ),
        );
        expect(existsSync(state)).toBe(false);
      }
    } finally {
      busy.close();
    }
  });

  it('shows every default one way in help: (default: value)', async () => {
    const texts = await Promise.all(
      ['dev', 'deploy', 'verify', 'show-creds', 'build', 'users add'].map(
        async (c) => (await runCli([...c.split(' '), '--help'], { cwd })).stdout,
      ),
    );
    const all = texts.join('\n');
    expect(all).toContain('(default: 8080)');
    expect(all).toContain('(default: .basicauth/local)');
    expect(all).toContain('(default: 30)');
    expect(all).toContain('(default: the recorded one)');
    expect(all).not.toMatch(/\(default: "|\(default \d/);
  });

  it('exits 2 on usage errors, with a suggestion', async () => {
    const unknown = await runCli(['biuld'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'biuld'/);
    expect(unknown.stderr).toMatch(/Did you mean build\?/);
    const option = await runCli(['build', '--secret'], { cwd });
    expect(option.code).toBe(2);
    expect(option.stdout).toBe('');
  });
});

describe('basicauth build', () => {
  it('writes both zips and prints one JSON document with --json', async () => {
    const r = await runCli(
      ['build', '--json', '--secret-id', 'basicauth/staging', '--secret-region', 'eu-west-1', '--out', 'out'],
      { cwd },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      outDir: string;
      handlers: Array<{
        handler: string;
        zipPath: string;
        zipBytes: number;
        sha256: string;
        edgeConfig?: { secretId: string };
      }>;
    };
    expect(result.outDir).toBe(join(cwd, 'out'));
    expect(result.handlers.map((h) => h.handler)).toEqual(['edge-auth', 'rotate']);
    for (const h of result.handlers) {
      expect(existsSync(h.zipPath)).toBe(true);
      expect(h.sha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
    expect(result.handlers[0]!.edgeConfig?.secretId).toBe('basicauth/staging');
    expect(r.stderr).toMatch(/✔ bundle edge-auth/); // progress goes to stderr
  });

  it('prints a size table for people', async () => {
    const r = await runCli(['build', '--out', 'table'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Built 2 handlers into .*table\n {2}edge-auth .* KiB code .* KiB zipped {2}sha256 /);
  });

  it('--engine cloudfront-function writes the function code (under 10 KB) and the rotation zip', async () => {
    const r = await runCli(['build', '--json', '--engine', 'cloudfront-function', '--realm', 'Team', '--out', 'cff'], {
      cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      handlers: Array<{ handler: string }>;
      function: { path: string; bytes: number; limit: number };
    };
    expect(result.handlers.map((h) => h.handler)).toEqual(['rotate']);
    expect(result.function).toMatchObject({ path: join(cwd, 'cff', 'edge-function.js'), limit: 10240 });
    expect(result.function.bytes).toBeLessThanOrEqual(10240);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(result.function.path, 'utf8')).toMatch(
      /^import cf from"cloudfront";[\s\S]*async function handler\(/,
    );
  });

  it('reads a full edge config from a file; flags win', async () => {
    await writeFile(
      join(cwd, 'edge.json'),
      JSON.stringify({ secretId: 'from-file', secretRegion: 'us-west-2', graceSeconds: 60 }),
    );
    const r = await runCli(['build', '--json', '--edge-config', 'edge.json', '--realm', 'Team'], { cwd });
    expect(r.code).toBe(0);
    const edge = JSON.parse(r.stdout).handlers[0].edgeConfig;
    expect(edge).toMatchObject({ secretId: 'from-file', secretRegion: 'us-west-2', graceSeconds: 60, realm: 'Team' });
  });

  it('names the field and the fix when the edge config is wrong (exit 1)', async () => {
    const r = await runCli(['build', '--secret-region', 'Ireland'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: edge config: secretRegion is "Ireland": expected an AWS region such as eu-west-1/);
    expect(r.stderr).toMatch(/fix: /);
  });

  it('explains a missing or broken --edge-config file', async () => {
    const missing = await runCli(['build', '--edge-config', 'nope.json'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read --edge-config nope.json: ENOENT/);
    await writeFile(join(cwd, 'broken.json'), '{"secretId": ');
    const broken = await runCli(['build', '--edge-config', 'broken.json'], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken.json is not a JSON object/);
  });
});
