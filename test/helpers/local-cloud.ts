// Starts the local cloud on a free port in a temporary state directory, with
// SDK clients pointed at it, for integration tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LocalCloud, type LocalCloudOptions } from '../../cli/local/cloud.js';
import type { LocalEvent } from '../../cli/local/events.js';
import { bundleHandler, type Bundle } from '../../stacks/bundle.js';

export interface TestCloud {
  cloud: LocalCloud;
  stateDir: string;
  sm: SecretsManagerClient;
  lambda: LambdaClient;
  cf: CloudFrontClient;
  logs: string[];
  functionLogs: string[];
  events: LocalEvent[];
  stop(options?: { keepState?: boolean }): Promise<void>;
}

export async function startTestCloud(options: Partial<LocalCloudOptions> = {}): Promise<TestCloud> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'basicauth-cloud-')));
  const logs: string[] = [];
  const functionLogs: string[] = [];
  const events: LocalEvent[] = [];
  const { onEvent: listener, ...rest } = options;
  const cloud = await LocalCloud.start({
    port: 0,
    deploySeconds: 1,
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'log') logs.push(event.message);
      else if (event.type === 'function.log') functionLogs.push(`[${event.label}] ${event.line}`);
      listener?.(event);
    },
    ...rest,
    stateDir,
  });
  const config = {
    region: 'us-east-1',
    endpoint: cloud.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  return {
    cloud,
    stateDir,
    sm: new SecretsManagerClient(config),
    lambda: new LambdaClient(config),
    cf: new CloudFrontClient(config),
    logs,
    functionLogs,
    events,
    async stop({ keepState = false } = {}) {
      await cloud.stop();
      if (!keepState && !options.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

const bundles = new Map<string, Promise<Bundle>>();

/** Real handler bundles, built once per test file. */
export function testBundle(handler: 'edge-auth' | 'rotate', edgeConfig?: Record<string, unknown>): Promise<Bundle> {
  const key = `${handler}:${JSON.stringify(edgeConfig ?? {})}`;
  if (!bundles.has(key)) {
    bundles.set(
      key,
      bundleHandler({ handler, edgeConfig: { secretId: 'basicauth/test', secretRegion: 'us-east-1', ...edgeConfig } }),
    );
  }
  return bundles.get(key)!;
}

/** The rotation bundle as a function Secrets Manager may invoke (the grant the stack makes). */
export async function putRotationFunction(
  t: TestCloud,
  name: string,
  environment?: Record<string, string>,
): Promise<string> {
  const bundle = await testBundle('rotate');
  const { fn } = await t.cloud.lambda.putFunction({
    name,
    zip: bundle.zip,
    timeout: 30,
    environment: environment ?? {},
  });
  if (!fn.policy?.length)
    await t.cloud.call('lambda', 'AddPermission', {
      FunctionName: fn.arn,
      StatementId: 'SecretsManager',
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
    });
  return fn.arn;
}

/** A function from plain ESM source (for exercising the runtime and the edge). */
export async function sourceFunction(source: string): Promise<{ code: Buffer; zip: Buffer }> {
  const { deterministicZip } = await import('../../stacks/zip.js');
  const code = Buffer.from(source);
  return { code, zip: await deterministicZip([{ name: 'index.mjs', data: code }]) };
}

export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
