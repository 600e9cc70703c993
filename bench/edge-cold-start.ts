// Edge cold start: from importing the bundle to the first decision (a valid
// credential, so the secret must be fetched), in fresh Node processes against
// a Secrets Manager endpoint on 127.0.0.1. Our bundle (own SigV4 + own
// HTTP/1.1 client over node:net) against the same handler on aws4fetch and on
// the AWS SDK v3 client, which the Lambda runtime provides, and four controls:
// the least a handler that reads a secret over HTTP with Node's own client can
// do (an empty module, node:http and one loopback request: the control the
// goal is set against), the same request signed with SigV4, as anything that
// reads from AWS must, once by node:crypto (the usual way) and once by our
// plain-JS signer (handlers/shared/sigv4.ts), and that signed request sent by
// our HTTP/1.1 client (handlers/edge-auth/http1.ts) instead of node:http. The
// fastest signed control is the floor: a handler that reads the secret this
// way cannot start faster.

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

/** Tightened from 1.2× when decisions began to be logged. */
export const COLD_GOAL_RATIO = 1.1;

export const CONTROL_VARIANTS = {
  plain: 'control: empty module + node:http + one loopback request',
  nodeCrypto: 'control, the request signed (SigV4) by node:crypto',
  plainJs: 'control, the request signed (SigV4) in plain JS',
  ownHttp: 'control, signed in plain JS, sent by our HTTP/1.1 client over node:net',
} as const;

// The control: what reading a secret over HTTP costs at the least (no signing, no parsing beyond JSON).
const request = (headers: string, signed: boolean) => `
export const handler = (event) => new Promise((resolve, reject) => {
  const url = new URL(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER);
  const body = JSON.stringify({ SecretId: 'basicauth/bench', VersionStage: 'AWSCURRENT' });
  const req = request(url, { method: 'POST', headers: ${headers} }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => {
      const answer = JSON.parse(text);
      ${signed ? "if (res.statusCode !== 200) return reject(new Error('the endpoint refused the signed request: ' + text));" : ''}
      resolve(event.Records[0].cf.request);
    });
  });
  req.on('error', reject);
  req.end(body);
});
`;
const CONTROL = `import { request } from 'node:http';\n${request("{ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' }", false)}`;
// The same request signed (SigV4) the usual way, with node:crypto. One file, as the control is.
const CONTROL_NODE_CRYPTO = `import { request } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
const hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
function sign(url, body) {
  const env = process.env;
  const time = new Date().toISOString().replace(/[:-]|\\.\\d{3}/g, '');
  const day = time.slice(0, 8);
  const headers = { 'content-type': 'application/x-amz-json-1.1', host: url.host, 'x-amz-date': time, 'x-amz-target': 'secretsmanager.GetSecretValue' };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', names.map((n) => n + ':' + headers[n] + '\\n').join(''), names.join(';'), hex(body)].join('\\n');
  const scope = day + '/' + env.AWS_REGION + '/secretsmanager/aws4_request';
  const key = hmac(hmac(hmac(hmac('AWS4' + env.AWS_SECRET_ACCESS_KEY, day), env.AWS_REGION), 'secretsmanager'), 'aws4_request');
  const signature = createHmac('sha256', key).update('AWS4-HMAC-SHA256\\n' + time + '\\n' + scope + '\\n' + hex(canonical)).digest('hex');
  return { ...headers, authorization: 'AWS4-HMAC-SHA256 Credential=' + env.AWS_ACCESS_KEY_ID + '/' + scope + ', SignedHeaders=' + names.join(';') + ', Signature=' + signature };
}
${request('sign(url, body)', true)}`;
// And by our plain-JS signer, bundled as the edge bundle is.
const CONTROL_PLAIN_JS = `import { request } from 'node:http';
import { signJsonPost } from './handlers/shared/sigv4.ts';
const sign = (url, body) => signJsonPost({ url, region: process.env.AWS_REGION, service: 'secretsmanager', target: 'secretsmanager.GetSecretValue', body },
  { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY });
${request('sign(url, body)', true)}`;
// And sent by our HTTP/1.1 client over node:net instead of node:http, with a deadline that never passes (no timer).
const CONTROL_OWN_HTTP = `import { signJsonPost } from './handlers/shared/sigv4.ts';
import { send } from './handlers/edge-auth/http1.ts';
export const handler = async (event) => {
  const url = new URL(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER);
  const body = JSON.stringify({ SecretId: 'basicauth/bench', VersionStage: 'AWSCURRENT' });
  const headers = signJsonPost({ url, region: process.env.AWS_REGION, service: 'secretsmanager', target: 'secretsmanager.GetSecretValue', body },
    { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY });
  const answer = await send({ url, method: 'POST', headers, body }, { passed: false, onPass: () => () => {} });
  JSON.parse(answer.text);
  if (answer.status !== 200) throw new Error('the endpoint refused the signed request: ' + answer.text);
  return event.Records[0].cf.request;
};
`;

const DRIVER = `
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
const result = await handler(event);
const t2 = performance.now();
process.stdout.write('\\n' + JSON.stringify({ importMs: t1 - t0, firstDecisionMs: t2 - t1, status: result.status ?? '200' }) + '\\n');
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
    { variant: 'shipped: own SigV4 + own HTTP/1.1 over node:net/tls', entry: HANDLER_ENTRIES['edge-auth'] },
    { variant: 'aws4fetch (fetch)', entry: join(PACKAGE_ROOT, 'bench/handlers/index-fetch.ts') },
    { variant: 'AWS SDK v3 client', entry: join(PACKAGE_ROOT, 'bench/handlers/index-sdk.ts') },
  ];
  const driver = join(dir, 'driver.mjs');
  await writeFile(driver, DRIVER);
  await writeFile(join(dir, 'control.mjs'), CONTROL);
  await writeFile(join(dir, 'control-node-crypto.mjs'), CONTROL_NODE_CRYPTO);
  const { build } = await import('esbuild');
  // bundled as the edge bundle is
  const bundled = async (contents: string) =>
    (
      await build({
        stdin: { contents, resolveDir: PACKAGE_ROOT, loader: 'ts' },
        bundle: true,
        write: false,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        minify: true,
        charset: 'ascii',
      })
    ).outputFiles[0]!.text;
  await writeFile(join(dir, 'control-plain-js.mjs'), await bundled(CONTROL_PLAIN_JS));
  await writeFile(join(dir, 'control-own-http.mjs'), await bundled(CONTROL_OWN_HTTP));
  const controls = [
    { variant: CONTROL_VARIANTS.plain, url: pathToFileURL(join(dir, 'control.mjs')).href },
    { variant: CONTROL_VARIANTS.nodeCrypto, url: pathToFileURL(join(dir, 'control-node-crypto.mjs')).href },
    { variant: CONTROL_VARIANTS.plainJs, url: pathToFileURL(join(dir, 'control-plain-js.mjs')).href },
    { variant: CONTROL_VARIANTS.ownHttp, url: pathToFileURL(join(dir, 'control-own-http.mjs')).href },
  ].map((c) => ({
    ...c,
    control: true,
    bundle: undefined,
    samples: [] as Array<{ importMs: number; firstDecisionMs: number }>,
  }));
  const built: Array<{
    variant: string;
    url: string;
    control: boolean;
    bundle: Awaited<ReturnType<typeof bundleHandler>> | undefined;
    samples: Array<{ importMs: number; firstDecisionMs: number }>;
  }> = [...controls];
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
          request: {
            clientIp: '203.0.113.1',
            method: 'GET',
            uri: '/',
            querystring: '',
            headers: { authorization: [{ key: 'Authorization', value: auth }] },
          },
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
  const article = python
    ? {
        variant: 'seed article (Python, boto3)',
        control: false,
        bundle: undefined,
        url: '',
        samples: [] as Array<{ importMs: number; firstDecisionMs: number }>,
      }
    : undefined;
  if (!python) process.stderr.write('  (no python3 with boto3 here: the article baseline is skipped)\n');
  try {
    // Interleaved, so that every variant sees the same machine conditions.
    for (let i = 0; i < runs + 2; i++) {
      for (const b of built) {
        const out = await run(process.execPath, [driver, b.url], env);
        if (out.code !== 0) throw new Error(`${b.variant} run failed: ${out.stderr}`);
        // the handler's own log lines may come before or after the figures
        const sample = JSON.parse(out.stdout.split('\n').find((line) => line.startsWith('{"importMs"'))!) as {
          importMs: number;
          firstDecisionMs: number;
          status: string;
        };
        if (sample.status !== '200') throw new Error(`${b.variant} answered ${sample.status}, expected 200`);
        if (i >= 2) b.samples.push(sample); // the first runs warm the file cache
      }
      if (article && python) {
        const out = await run(python, [join(PACKAGE_ROOT, 'bench/article/driver.py')], env);
        if (out.code !== 0) throw new Error(`article handler failed: ${out.stderr}`);
        const sample = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
          importMs: number;
          firstDecisionMs: number;
          status: string;
        };
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
