// Bypass tokens end to end, against `basicauth dev` in front of an origin that
// records what reaches it, for both engines: create -> header -> link (302 +
// cookie) -> cookie -> revoke -> refused (within the refresh floor for
// Lambda@Edge, at once for the key value store); rotate with a grace; and no
// token in what reached the origin, in the logs, in dev's output or in any
// state file but the secret's own store. The site says noindex throughout.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { localCli, runCli } from '../helpers/run-cli.js';

/** Lambda@Edge's default edge.refreshMinIntervalSeconds */
const REFRESH_FLOOR_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['lambda-edge', 'cloudfront-function'] as const)(
  'bypass tokens, %s engine',
  { timeout: 120_000 },
  (engine) => {
    let dir: string;
    let dev: DevProcess;
    let origin: Server;
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const { cli, json } = localCli(() => join(dir, 'state'));
    const tokens: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `basicauth-tokens-${engine}-`));
      origin = createServer((req, res) => {
        seen.push({ url: req.url ?? '', headers: req.headers });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('origin');
      });
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
      dev = await startDevProcess(join(dir, 'state'), [
        '--engine',
        engine,
        '--origin',
        originUrl,
        '--deploy-seconds',
        '0',
      ]);
    }, 60_000);
    afterAll(async () => {
      dev?.child.kill('SIGTERM');
      await dev?.exited;
      origin?.close();
      await rm(dir, { recursive: true, force: true });
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(new URL(path, dev.info.edgeUrl), { headers, redirect: 'manual' });
    /** A token just created is accepted once the edge has read it: at once from the store, within the floor for Lambda@Edge. */
    async function accepted(headers: Record<string, string>, path = '/'): Promise<Response> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const r = await get(path, headers);
        if (r.status !== 401 || Date.now() > deadline) return r;
        await sleep(200);
      }
    }
    async function create(name: string, ...flags: string[]): Promise<string> {
      const r = await json('tokens', 'create', name, ...flags);
      expect(r.code, r.stderr).toBe(0);
      expect(r.body).toMatchObject({ name, state: 'active' });
      tokens.push(r.body.token);
      return r.body.token as string;
    }

    it('create -> header -> link -> cookie, and none of it reaches the origin', async () => {
      const token = await create('ci', '--expires', '30d');
      expect(token).toMatch(/^bat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect((await get('/')).status).toBe(401);

      const viaHeader = await accepted({ 'x-basicauth-bypass': token });
      expect(viaHeader.status).toBe(200);
      expect(viaHeader.headers.get('x-robots-tag')).toBe('noindex, nofollow'); // the response headers policy
      expect(seen.at(-1)?.headers['x-basicauth-bypass']).toBeUndefined();

      const hits = seen.length;
      const link = await get(`/docs/page?lang=en&x-basicauth-bypass=${encodeURIComponent(token)}`);
      expect(link.status).toBe(302);
      expect(link.headers.get('location')).toBe('/docs/page?lang=en');
      const setCookie = link.headers.get('set-cookie') as string;
      expect(setCookie).toMatch(
        /^__Host-basicauth-bypass=[0-9a-f]{12}\.[0-9a-f]{32}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/,
      );
      expect(Number(/Max-Age=(\d+)/.exec(setCookie)?.[1])).toBeLessThanOrEqual(30 * 86_400);
      expect(seen.length).toBe(hits); // the redirect is the edge's own answer

      const cookie = setCookie.split(';')[0] as string;
      const viaCookie = await get('/docs/page?lang=en', { cookie: `theme=dark; ${cookie}` });
      expect(viaCookie.status).toBe(200);
      expect(seen.at(-1)?.url).toBe('/docs/page?lang=en');
      expect(seen.at(-1)?.headers.cookie).toBe('theme=dark');

      const verified = await json('verify', '--token', 'ci');
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.body.checks.map((c: { name: string }) => c.name)).toEqual([
        'no credentials',
        'wrong token',
        'token',
        'token link',
        'token cookie',
        'search engines',
      ]);
      // the 401 says noindex too
      expect((await get('/')).headers.get('x-robots-tag')).toBe('noindex, nofollow');
    });

    it('a token for some paths only; create refuses a bad name, bad paths, and an entry too big for the store', async () => {
      const api = await create('api', '--paths', '/api/*');
      expect((await accepted({ 'x-basicauth-bypass': api }, '/api/users')).status).toBe(200);
      expect((await get('/admin', { 'x-basicauth-bypass': api })).status).toBe(401);
      const badName = await cli('tokens', 'create', 'no spaces');
      expect(badName.code).toBe(2);
      expect(badName.stderr).toMatch(/token name "no spaces" is not letters, digits/);
      const badPath = await cli('tokens', 'create', 'x', '--paths', 'api/*');
      expect(badPath.code).toBe(2);
      expect(badPath.stderr).toMatch(/is not a path pattern/);
      const tooBig = await cli(
        'tokens',
        'create',
        'x'.repeat(60),
        '--paths',
        Array.from({ length: 8 }, (_, i) => `/${String(i).repeat(99)}`).join(','),
      );
      expect(tooBig.code).toBe(2);
      expect(tooBig.stderr).toMatch(/would be \d+ bytes; CloudFront allows 1024 per value/);
      const twice = await cli('tokens', 'create', 'api');
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/a token named "api" already exists/);
    });

    it('list shows names, paths, expiry and last seen, never a token; status lists them', async () => {
      const list = await json('tokens', 'list');
      expect(list.code, list.stderr).toBe(0);
      const ci = list.body.find((t: { name: string }) => t.name === 'ci');
      expect(ci).toMatchObject({ name: 'ci', paths: [], state: 'active' });
      expect(typeof ci.lastSeen).toBe('string'); // from the edge's decision lines
      const text = await cli('tokens', 'list');
      expect(text.stdout).toMatch(/NAME\s+PATHS\s+CREATED\s+EXPIRES\s+LAST SEEN/);
      for (const token of tokens) {
        expect(list.stdout).not.toContain(token);
        expect(text.stdout + text.stderr).not.toContain(token);
      }
      const status = await json('status');
      expect(status.body.tokens.map((t: { name: string }) => t.name).sort()).toEqual(['api', 'ci']);
    });

    it("a rotation of the passwords keeps the tokens (they are the secret's own key, not a user)", async () => {
      const rotated = await cli('rotate', '--now', '--yes');
      expect(rotated.code, rotated.stderr).toBe(0);
      expect((await accepted({ 'x-basicauth-bypass': tokens[0] as string })).status).toBe(200);
      const list = await json('tokens', 'list', '--no-last-seen');
      expect(list.body.map((t: { name: string }) => t.name).sort()).toEqual(['api', 'ci']);
    });

    it('rotate: the old value works through its grace, the new one at once', async () => {
      const old = tokens[0] as string;
      const r = await json('tokens', 'rotate', 'ci', '--grace', '1h');
      expect(r.code, r.stderr).toBe(0);
      const fresh = r.body.token as string;
      tokens.push(fresh);
      expect(fresh).not.toBe(old);
      expect(fresh.slice(0, 16)).toBe(old.slice(0, 16)); // same id
      expect((await accepted({ 'x-basicauth-bypass': fresh })).status).toBe(200);
      expect((await get('/', { 'x-basicauth-bypass': old })).status).toBe(200);
    });

    it(`revoke: header and cookie refused ${engine === 'lambda-edge' ? 'once the refresh floor has passed' : 'at once'}`, async () => {
      const token = tokens.at(-1) as string;
      const link = await get(`/?x-basicauth-bypass=${token}`);
      const cookie = (link.headers.get('set-cookie') as string).split(';')[0] as string;
      expect((await get('/', { cookie })).status).toBe(200);
      const r = await cli('tokens', 'revoke', 'ci');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(engine === 'lambda-edge' ? /within edge.refreshMinIntervalSeconds/ : /within seconds/);
      if (engine === 'lambda-edge') await sleep(REFRESH_FLOOR_MS + 100);
      expect((await get('/', { 'x-basicauth-bypass': token })).status).toBe(401);
      expect((await get('/', { cookie })).status).toBe(401);
      expect((await get('/', { 'x-basicauth-bypass': tokens[0] as string })).status).toBe(401); // the replaced one too
      // verify --token NAME: the name is gone; --token-stdin checks the value itself
      const check = await cli('verify', '--token', 'ci');
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/no token named "ci"/);
      const stateArgs = ['--local', '--state-dir', join(dir, 'state'), '--json'];
      const still = await runCli(['verify', '--token-stdin', ...stateArgs], { input: `${token}\n` });
      expect(still.code).toBe(1);
      const tokenCheck = JSON.parse(still.stdout).checks.find((c: { name: string }) => c.name === 'token');
      expect(tokenCheck.reason).toMatch(/got 401 with the token, expected 200 \(revoked, expired/);
      const refused = await runCli(['verify', '--token-stdin', '--expect', '401', ...stateArgs], { input: token });
      expect(refused.code, refused.stderr).toBe(0);
      const statuses = JSON.parse(refused.stdout).checks.map((c: { status: number }) => c.status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      expect(still.stdout + still.stderr + refused.stdout + refused.stderr).not.toContain(token);
    });

    it('no token in the logs, in dev output, or in any state file but the secret store', async () => {
      const logs = await json('logs', '--since', '10m');
      expect(logs.code, logs.stderr).toBe(0);
      const decisions = logs.body.decisions as Array<{ reason: string; token?: string }>;
      // the dashboard names the token beside the requests it let through
      const dashboard = (await (await fetch(`${dev.info.endpoint}/_local/dashboard/state`)).json()) as {
        decisions: Array<{ uri: string; token?: string }>;
      };
      expect(dashboard.decisions.some((d) => d.token === 'ci' && d.uri === '/docs/page')).toBe(true);
      expect(JSON.stringify(dashboard)).not.toContain(tokens[0] as string);
      expect(decisions.some((d) => d.reason === 'token-cookie' && d.token === 'ci')).toBe(true);
      expect(decisions.some((d) => d.reason === 'token-link')).toBe(true);
      const files = await allFiles(join(dir, 'state'));
      for (const token of tokens) {
        expect(logs.stdout).not.toContain(token);
        expect(dev.stderr()).not.toContain(token);
        expect(JSON.stringify(seen)).not.toContain(token);
        for (const file of files) {
          const text = await readFile(file, 'utf8').catch(() => '');
          const state = file.endsWith('state.json') ? JSON.parse(text) : undefined;
          // Secrets Manager keeps the secret's value, as AWS does: everything else must not hold a token
          if (state) delete state.services.secretsmanager;
          expect(state ? JSON.stringify(state) : text, file).not.toContain(token.slice(17));
        }
      }
    });
  },
);

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
