// The real bundles, built by esbuild and run as Lambda would run them, against
// a Secrets Manager endpoint on 127.0.0.1 reached through the standard
// endpoint variable.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleHandler, HANDLER_ENTRIES, PACKAGE_ROOT, type Bundle } from '../../stacks/bundle.js';
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from '../../handlers/edge-auth/cloudfront.js';
import { basic, viewerRequest } from '../helpers/edge-events.js';
import { FakeSecretsEndpoint } from '../helpers/fake-secrets-endpoint.js';
import { readZip } from '../helpers/zip-reader.js';

type Handler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;

const endpoint = new FakeSecretsEndpoint();
let workDir: string;
let loaded = 0;

// Each load is a new file, hence a new module instance: a cold start.
async function load(bundle: Bundle): Promise<Handler> {
  const dir = join(workDir, `bundle-${++loaded}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, bundle.fileName);
  await writeFile(file, bundle.code);
  return ((await import(pathToFileURL(file).href)) as { handler: Handler }).handler;
}

const status = (r: CloudFrontRequestResult) => ('status' in r ? Number(r.status) : 200);

beforeAll(async () => {
  // inside the package, so that the SDK variant resolves @aws-sdk/* as in the Lambda runtime
  await mkdir(join(PACKAGE_ROOT, 'node_modules/.cache'), { recursive: true });
  workDir = await mkdtemp(join(PACKAGE_ROOT, 'node_modules/.cache/basicauth-bundle-test-'));
  await endpoint.start();
  endpoint.rotate({ username: 'admin', password: 'bundle-Password-1' });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint.url;
  vi.spyOn(console, 'log').mockImplementation(() => {});
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  vi.restoreAllMocks();
  await endpoint.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('handler bundles', () => {
  it('are deterministic: same input, same bytes, in any time zone', async () => {
    const config = { secretId: 'basicauth/test', secretRegion: 'us-east-1' };
    const [a, b] = [
      await bundleHandler({ handler: 'edge-auth', edgeConfig: config }),
      await bundleHandler({ handler: 'edge-auth', edgeConfig: config }),
    ];
    expect(a.zip.equals(b.zip)).toBe(true);
    const script = `import { bundleHandler } from ${JSON.stringify(pathToFileURL(join(PACKAGE_ROOT, 'stacks/bundle.ts')).href)};
      const b = await bundleHandler({ handler: 'edge-auth', edgeConfig: ${JSON.stringify(config)} }); process.stdout.write(b.sha256);`;
    for (const TZ of ['Pacific/Auckland', 'America/Los_Angeles']) {
      const sha = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, TZ },
        encoding: 'utf8',
      });
      expect(sha, TZ).toBe(a.sha256);
    }
  });

  it('hold one index.mjs with fixed timestamp and mode, far under the Lambda@Edge limit', async () => {
    const edge = await bundleHandler({
      handler: 'edge-auth',
      edgeConfig: { secretId: 's', secretRegion: 'us-east-1' },
    });
    const entries = readZip(edge.zip);
    expect(entries.map((e) => e.name)).toEqual(['index.mjs']);
    expect(entries[0]!.data.equals(edge.code)).toBe(true);
    expect(entries[0]!.dosDate).toBe((0 << 9) | (1 << 5) | 1); // 1980-01-01
    expect(entries[0]!.dosTime).toBe(0);
    expect(entries[0]!.unixMode).toBe(0o100644);
    expect(edge.zipBytes).toBeLessThan(100 * 1024);
    // the cold start's budget (bench/RESULTS.md, section 1): no node:crypto, no node:fs facade, one-byte source
    const code = edge.code.toString('latin1');
    expect(code).not.toMatch(/from\s*"node:(crypto|fs)"|import\("node:crypto"\)/);
    expect(code).toMatch(/^[\x00-\x7f]*$/);
  });

  it('bake the edge config in and refuse an invalid one at build time', async () => {
    const edge = await bundleHandler({
      handler: 'edge-auth',
      edgeConfig: { secretId: 'baked/secret-name', secretRegion: 'eu-west-1', realm: 'Baked Realm' },
    });
    expect(edge.code.toString()).toContain('baked/secret-name');
    expect(edge.code.toString()).not.toContain('process.env.BASICAUTH');
    await expect(
      bundleHandler({
        handler: 'edge-auth',
        edgeConfig: { secretId: 's', secretRegion: 'us-east-1', cacheTtlSeconds: -1 },
      }),
    ).rejects.toThrow(/cacheTtlSeconds is -1/);
  });

  it('give the rotation function its own AWS SDK, with the SigV4A signer the KeyValueStore needs', async () => {
    const rotate = await bundleHandler({ handler: 'rotate' });
    const code = rotate.code.toString();
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code).toContain('AWS4-ECDSA-P256-SHA256');
    expect(rotate.zipBytes).toBeLessThan(400 * 1024);
  });
});

describe.each([
  ['aws4 + node:https', HANDLER_ENTRIES['edge-auth']],
  ['aws4fetch', join(PACKAGE_ROOT, 'bench/handlers/index-fetch.ts')],
  ['AWS SDK v3', join(PACKAGE_ROOT, 'bench/handlers/index-sdk.ts')],
])('the edge bundle on %s', (_name, entry) => {
  it('answers 401 without and 200 with the credential, reading the secret over the wire', async () => {
    const bundle = await bundleHandler({
      handler: 'edge-auth',
      entry,
      edgeConfig: { secretId: 'basicauth/test', secretRegion: 'us-east-1' },
    });
    endpoint.calls.length = 0; // loading it may start the fetch (the shipped handler prefetches at init)
    const handler = await load(bundle);
    expect(status(await handler(viewerRequest()))).toBe(401);
    expect(status(await handler(viewerRequest({ authorization: basic('admin', 'bundle-Password-1') })))).toBe(200);
    expect(status(await handler(viewerRequest({ authorization: basic('admin', 'wrong') })))).toBe(401);
    expect(endpoint.calls[0]).toEqual({
      target: 'secretsmanager.GetSecretValue',
      region: 'us-east-1',
      secretId: 'basicauth/test',
      stage: 'AWSCURRENT',
    });
  });

  it('reads the nearest replica and falls back to the home region when it fails', async () => {
    const config = { secretId: 'basicauth/test', secretRegion: 'us-east-1', replicaRegions: ['eu-central-1'] };
    const previousRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-3';
    try {
      const bundle = await bundleHandler({ handler: 'edge-auth', entry, edgeConfig: config });
      endpoint.calls.length = 0;
      const handler = await load(bundle);
      expect(status(await handler(viewerRequest({ authorization: basic('admin', 'bundle-Password-1') })))).toBe(200);
      expect(endpoint.calls.map((c) => c.region)).toEqual(['eu-central-1']);

      endpoint.downRegions.add('eu-central-1');
      endpoint.calls.length = 0;
      const coldInFrance = await load(bundle);
      expect(status(await coldInFrance(viewerRequest({ authorization: basic('admin', 'bundle-Password-1') })))).toBe(
        200,
      );
      expect(endpoint.calls.map((c) => c.region)).toEqual(['eu-central-1', 'us-east-1']);
    } finally {
      endpoint.downRegions.clear();
      process.env.AWS_REGION = previousRegion;
    }
  });

  it('fails closed with 503 when the endpoint is unreachable', async () => {
    const bundle = await bundleHandler({
      handler: 'edge-auth',
      entry,
      edgeConfig: { secretId: 'basicauth/test', secretRegion: 'us-east-1', fetchTimeoutMs: 500 },
    });
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:1';
    try {
      const handler = await load(bundle);
      const result = await handler(viewerRequest({ authorization: basic('admin', 'bundle-Password-1') }));
      expect(status(result)).toBe(503);
    } finally {
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint.url;
    }
  });
});

describe('an edge bundle without baked config', () => {
  it('refuses to start, saying how to build it', async () => {
    const { createRuntimeHandler } = await import('../../handlers/edge-auth/runtime.js');
    expect(() => createRuntimeHandler(() => ({ fetchVersion: async () => undefined }))).toThrow(
      /no configuration was baked into this bundle/,
    );
  });
});
