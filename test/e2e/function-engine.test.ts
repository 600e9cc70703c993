// `basicauth dev --engine cloudfront-function` as a user runs it: the demo is
// protected by the CloudFront function; show-creds, verify, rotate --now,
// users, status, sync and publish work against it; the store never holds a
// password or an unsalted digest.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeKeyValueStoreCommand,
  ListKeysCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKvsClient } from '../../handlers/shared/kvs-client.js';
import { startDevProcess, type DevProcess } from '../helpers/dev-process.js';
import { localCli } from '../helpers/run-cli.js';

let dir: string;
let dev: DevProcess;
let kvsArn: string;
const { cli, json } = localCli(() => join(dir, 'state'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'basicauth-cff-'));
  dev = await startDevProcess(join(dir, 'state'), ['--engine', 'cloudfront-function', '--deploy-seconds', '0']);
  kvsArn = (dev.info as { keyValueStoreArn?: string }).keyValueStoreArn as string;
}, 60_000);
afterAll(async () => {
  dev?.child.kill('SIGTERM');
  await dev?.exited;
  await rm(dir, { recursive: true, force: true });
});

const get = (auth?: [string, string]) =>
  fetch(
    dev.info.edgeUrl,
    auth ? { headers: { authorization: `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}` } } : {},
  ).then(async (r) => ({
    status: r.status,
    body: await r.text(),
  }));
const creds = async (user?: string): Promise<[string, string]> => {
  const r = await json('show-creds', ...(user ? ['--user', user] : []));
  expect(r.code, r.stderr).toBe(0);
  const u = r.body.users[0] as { username: string; password: string };
  return [u.username, u.password];
};
const store = () =>
  createKvsClient({ endpoint: dev.info.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });
async function storeItems(): Promise<Map<string, string>> {
  const client = store();
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListKeysCommand({ KvsARN: kvsArn, ...(token ? { NextToken: token } : {}) }));
    for (const i of page.Items ?? []) out.set(i.Key!, i.Value!);
    token = page.NextToken;
  } while (token);
  client.destroy();
  return out;
}

describe('dev --engine cloudfront-function', { timeout: 120_000 }, () => {
  const seenPasswords: Array<[string, string]> = [];

  it('protects the demo page; show-creds and verify work', async () => {
    expect(kvsArn).toMatch(/:key-value-store\//);
    expect((await get()).status).toBe(401);
    const admin = await creds();
    seenPasswords.push(admin);
    const ok = await get(admin);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('You are in.');
    expect((await get([admin[0], 'wrong'])).status).toBe(401);
    const verify = await cli('verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('rotate --now returns once the store holds the new digests: the new password works at once, the old one not', async () => {
    const before = await creds();
    const rotated = await json('rotate', '--now', '--yes');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.body.storeWaitedMs).toEqual(expect.any(Number)); // it waited for the store, and says how long
    const after = await creds();
    seenPasswords.push(after);
    expect(after[1]).not.toBe(before[1]);
    // rotate returned once the store held the new digests: the very first request after it is accepted
    // (no cache stands between the store and the function), and the old password is refused
    expect((await get(after)).status).toBe(200);
    expect((await get(before)).status).toBe(401);
  });

  it('users add/remove take effect at the edge at once', async () => {
    const added = await cli('users', 'add', 'bob');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/key value store holds their digest/);
    const bob = await creds('bob');
    seenPasswords.push(bob);
    expect((await get(bob)).status).toBe(200);
    expect((await cli('users', 'remove', 'bob')).code).toBe(0);
    expect((await get(bob)).status).toBe(401);
  });

  it('status shows the store in step; a store out of step is an error until sync repairs it', async () => {
    const ok = await json('status');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.body.edge).toMatchObject({
      engine: 'cloudfront-function',
      latestVersion: 'LIVE',
      store: { inStep: true, users: 1 },
    });
    // someone edits the store by hand
    const client = store();
    const { ETag } = await client.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
    await client.send(
      new UpdateKeysCommand({
        KvsARN: kvsArn,
        IfMatch: ETag,
        Puts: [{ Key: 'u:admin', Value: '{"v":"x","s":"00","d":"ff"}' }],
      }),
    );
    client.destroy();
    expect((await get(await creds())).status).toBe(401);
    const broken = await cli('status');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/out of step/);
    expect(broken.stdout).toMatch(/fix: basicauth sync/);
    expect((await cli('sync', '--check')).code).toBe(1);
    const synced = await cli('sync');
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/Synced: .* \(2 keys written, 0 removed\)/); // the entry, and the meta key that says when
    expect((await get(await creds())).status).toBe(200);
    expect((await cli('sync')).stdout).toMatch(/Already in step/);
    expect((await cli('status')).code).toBe(0);
  });

  it('publish makes the function LIVE and checks the store; no cold start to force', async () => {
    const published = await json('publish');
    expect(published.code, published.stderr).toBe(0);
    expect(published.body).toMatchObject({ changed: false, store: { written: 0, deleted: 0 } });
    expect((await get(await creds())).status).toBe(200);
  });

  it("logs reads the function's decisions from its group in us-east-1", async () => {
    expect((await get(['mallory', 'guess'])).status).toBe(401);
    let out: { groups: Array<{ region: string; name: string }>; decisions: Array<Record<string, unknown>> } | undefined;
    for (let tries = 0; tries < 50; tries++) {
      const r = await cli('logs', '--since', '10m', '--json');
      expect(r.code, r.stderr).toBe(0);
      out = JSON.parse(r.stdout);
      if (out?.decisions.some((d) => d.user === 'mallory')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out!.groups).toEqual([
      expect.objectContaining({ region: 'us-east-1', name: '/aws/cloudfront/function/basicauth-dev-edge-auth' }),
    ]);
    expect(out!.decisions).toContainEqual(
      expect.objectContaining({ outcome: 'refused', reason: 'wrong-credential', user: 'mallory', status: 401 }),
    );
    expect(out!.decisions).toContainEqual(
      expect.objectContaining({ outcome: 'allowed', reason: 'credential', user: 'admin' }),
    );
    expect((await get(await creds())).status).toBe(200); // the dashboard's latest decision, below, is an allowed one
  });

  it('attach refuses, naming what to do instead', async () => {
    const r = await cli('attach');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/attach works with the lambda-edge engine/);
    expect(r.stderr).toMatch(/fix: /);
  });

  it('the dashboard shows the function holding the current version, and the decisions it made', async () => {
    const state = (await (await fetch(`${dev.info.endpoint}/_local/dashboard/state`)).json()) as {
      secrets: Array<{ versions: Array<{ versionId: string; stages: string[] }> }>;
      instances: Array<{ label: string; holds?: string }>;
      decisions: Array<{ instance?: string; outcome?: string; computeMs?: number }>;
    };
    const current = state.secrets[0]!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.versionId;
    expect(state.instances).toContainEqual(
      expect.objectContaining({ label: 'basicauth-dev-edge-auth (CloudFront function, LIVE)', holds: current }),
    );
    expect(state.decisions[0]).toMatchObject({
      instance: 'basicauth-dev-edge-auth',
      outcome: 'allowed',
      computeMs: expect.any(Number),
    });
  });

  it('the store holds no password and no unsalted digest, after rotations and users changes', async () => {
    const items = await storeItems();
    expect([...items.keys()].sort()).toEqual(['basicauth:meta', 'u:admin']);
    const text = [...items.entries()].flat().join('\n');
    for (const [user, password] of seenPasswords) {
      expect(text).not.toContain(password);
      for (const plain of [password, `${user}:${password}`, Buffer.from(`${user}:${password}`).toString('base64')]) {
        for (const alg of ['sha256', 'sha1', 'md5']) {
          expect(text).not.toContain(createHash(alg).update(plain).digest('hex'));
          expect(text).not.toContain(createHash(alg).update(plain).digest('base64'));
        }
      }
    }
    const admin = JSON.parse(items.get('u:admin')!);
    expect(admin).toEqual({
      v: expect.any(String),
      s: expect.stringMatching(/^[0-9a-f]{32}$/),
      d: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});
