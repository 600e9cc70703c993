// Edge cold start: from importing the bundle to the first decision (a valid
// credential, so the secret must be fetched), in fresh Node processes against
// a Secrets Manager endpoint on 127.0.0.1. Our bundle (own SigV4 + node:http)
// against the same handler on aws4fetch and on the AWS SDK v3 client, which
// the Lambda runtime provides, and two controls: the least any handler that
// reads a secret over HTTP can do (an empty module, node:http and one
// loopback request), and the same plus loading node:crypto, which anything
// that signs SigV4 or hashes a credential needs.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleHandler, HANDLER_ENTRIES, PACKAGE_ROOT } from '../stacks/bundle.js';
import { FakeSecretsEndpoint } from '../test/helpers/fake-secrets-endpoint.js';
import { median, percentile, run, spread, type Spread } from './lib.js';

export interface ColdStartFigures {
  variant: string;
  control: boolean;
  zipBytes: number;
  codeBytes: number;
  importMs: number;
  firstDecisionMs: number;
  total: Spread;
  totalP90Ms: number;
  runs: number;
}

export const COLD_GOAL_RATIO = 1.2;

// The control: what reading a secret over HTTP costs at the least (no signing, no parsing beyond JSON).
const CONTROL = `
import { request } from 'node:http';
export const handler = (event) => new Promise((resolve, reject) => {
  const req = request(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' } }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => { JSON.parse(text); resolve(event.Records[0].cf.request); });
  });
  req.on('error', reject);
  req.end(JSON.stringify({ SecretId: 'basicauth/bench', VersionStage: 'AWSCURRENT' }));
});
`;
// One file, as the control is (a re-export from it would add a module to load).
const CONTROL_CRYPTO = `import 'node:crypto';\n${CONTROL}`;

const DRIVER = `
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
const result = await handler(event);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstDecisionMs: t2 - t1, status: result.status ?? '200' }));
`;

export async function edgeColdStart(runs = 30): Promise<ColdStartFigures[]> {
  const dir = join(PACKAGE_ROOT, 'node_modules/.cache/basicauth-bench');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const endpoint = new FakeSecretsEndpoint();
  await endpoint.start();
  endpoint.rotate({ username: 'admin', password: 'bench-Password-123' });
  const config = { secretId: 'basicauth/bench', secretRegion: 'us-east-1' };
  const variants = [
    { variant: 'shipped: own SigV4 + node:http(s)', entry: HANDLER_ENTRIES['edge-auth'] },
    { variant: 'aws4fetch (fetch)', entry: join(PACKAGE_ROOT, 'handlers/edge-auth/index-fetch.ts') },
    { variant: 'AWS SDK v3 client', entry: join(PACKAGE_ROOT, 'handlers/edge-auth/index-sdk.ts') },
  ];
  const driver = join(dir, 'driver.mjs');
  await writeFile(driver, DRIVER);
  await writeFile(join(dir, 'control.mjs'), CONTROL);
  await writeFile(join(dir, 'control-crypto.mjs'), CONTROL_CRYPTO);
  const controls = [
    { variant: 'control: empty module + node:http + one loopback request', url: pathToFileURL(join(dir, 'control.mjs')).href },
    { variant: 'control + node:crypto (the floor for SigV4)', url: pathToFileURL(join(dir, 'control-crypto.mjs')).href },
  ].map((c) => ({ ...c, control: true, bundle: undefined, samples: [] as Array<{ importMs: number; firstDecisionMs: number }> }));
  const built: Array<{ variant: string; url: string; control: boolean; bundle: Awaited<ReturnType<typeof bundleHandler>> | undefined; samples: Array<{ importMs: number; firstDecisionMs: number }> }> =
    [...controls];
  for (const v of variants) {
    const bundle = await bundleHandler({ handler: 'edge-auth', entry: v.entry, edgeConfig: config });
    const file = join(dir, `variant-${built.length}`, 'index.mjs');
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, bundle.code);
    built.push({ variant: v.variant, control: false, bundle, url: pathToFileURL(file).href, samples: [] });
  }
  const auth = `Basic ${Buffer.from('admin:bench-Password-123').toString('base64')}`;
  const event = {
    Records: [
      {
        cf: {
          config: { eventType: 'viewer-request' },
          request: { clientIp: '203.0.113.1', method: 'GET', uri: '/', querystring: '', headers: { authorization: [{ key: 'Authorization', value: auth }] } },
        },
      },
    ],
  };
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    BENCH_EVENT: JSON.stringify(event),
  };
  const python = await pythonWithBoto3();
  const article = python ? { variant: 'seed article (Python, boto3)', control: false, bundle: undefined, url: '', samples: [] as Array<{ importMs: number; firstDecisionMs: number }> } : undefined;
  if (!python) process.stderr.write('  (no python3 with boto3 here: the article baseline is skipped)\n');
  try {
    // Interleaved, so that every variant sees the same machine conditions.
    for (let i = 0; i < runs + 2; i++) {
      for (const b of built) {
        const out = await run(process.execPath, [driver, b.url], env);
        if (out.code !== 0) throw new Error(`${b.variant} run failed: ${out.stderr}`);
        const sample = JSON.parse(out.stdout.trim().split('\n').pop()!) as { importMs: number; firstDecisionMs: number; status: string };
        if (sample.status !== '200') throw new Error(`${b.variant} answered ${sample.status}, expected 200`);
        if (i >= 2) b.samples.push(sample); // the first runs warm the file cache
      }
      if (article && python) {
        const out = await run(python, [join(PACKAGE_ROOT, 'bench/article/driver.py')], env);
        if (out.code !== 0) throw new Error(`article handler failed: ${out.stderr}`);
        const sample = JSON.parse(out.stdout.trim().split('\n').pop()!) as { importMs: number; firstDecisionMs: number; status: string };
        if (sample.status !== '200') throw new Error(`article handler answered ${sample.status}, expected 200`);
        if (i >= 2) article.samples.push(sample);
      }
    }
  } finally {
    await endpoint.stop();
  }
  return [...built, ...(article ? [article] : [])].map((b) => {
    const totals = b.samples.map((s) => s.importMs + s.firstDecisionMs);
    return {
      variant: b.variant,
      control: b.control,
      zipBytes: b.bundle ? b.bundle.zipBytes : NaN,
      codeBytes: b.bundle ? b.bundle.codeBytes : NaN,
      importMs: median(b.samples.map((s) => s.importMs)),
      firstDecisionMs: median(b.samples.map((s) => s.firstDecisionMs)),
      total: spread(totals),
      totalP90Ms: percentile(totals, 90),
      runs: b.samples.length,
    };
  });
}

/** python3 when it can import boto3, else undefined. */
async function pythonWithBoto3(): Promise<string | undefined> {
  const out = await run('python3', ['-c', 'import boto3']).catch(() => undefined);
  return out?.code === 0 ? 'python3' : undefined;
}
