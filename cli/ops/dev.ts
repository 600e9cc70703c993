// `basicauth dev`: the whole system on this machine. It sets the local cloud
// up the way a deploy sets AWS up (same SDK calls where the local cloud has
// the operation), then serves the local edge in front of the origin.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EdgeAuthConfig } from '../../handlers/edge-auth/config.js';
import { createAwsClients } from '../aws.js';
import { CliError } from '../errors.js';
import { step, type Emit } from '../events.js';
import { clearDevInfo, findDev, writeDevInfo, type DevInfo } from '../local/discover.js';
import { pointViewerRequest, updateDistributionConfig } from './distribution.js';

export const DEV_SECRET_NAME = 'basicauth/dev';
export const DEV_EDGE_FUNCTION = 'basicauth-dev-edge-auth';
export const DEV_ROTATE_FUNCTION = 'basicauth-dev-rotate';
const CALLER_REFERENCE = 'basicauth-dev';

export interface DevOptions {
  stateDir: string;
  port: number;
  apiPort: number;
  instances: number;
  origin?: string;
  fresh: boolean;
  deploySeconds: number;
  rotationRules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  edge?: Partial<EdgeAuthConfig>;
  /** environment of the rotation function (password policy, usernames) */
  rotationEnvironment?: Record<string, string>;
  functionLog?: (label: string, line: string) => void;
  faultInjection?: boolean;
  requestLog?: (line: { method: string; uri: string; status: number; ms: number }) => void;
}

export interface DevSession extends DevInfo {
  originUrl: string;
  demoOrigin: boolean;
  edgeVersion: string;
  stop(): Promise<void>;
}

function parseOrigin(origin: string): { domainName: string; protocol: 'http' | 'https'; port: number } {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new CliError(`--origin ${origin} is not a URL`, { hint: 'pass the origin as http://host:port or https://host' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--origin ${origin} must be http or https`);
  if (url.pathname !== '/' || url.search) throw new CliError(`--origin ${origin} must not have a path or query`, { hint: `use ${url.origin}` });
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { domainName: url.hostname, protocol, port: Number(url.port || (protocol === 'http' ? 80 : 443)) };
}

export async function startDev(o: DevOptions, emit: Emit): Promise<DevSession> {
  const stateDir = resolve(o.stateDir);
  const running = findDev(stateDir);
  if (running) {
    throw new CliError(`basicauth dev is already running for ${stateDir} (pid ${running.pid}, ${running.edgeUrl})`, {
      hint: 'use that one, stop it, or pass another --state-dir',
    });
  }
  const origin = o.origin ? parseOrigin(o.origin) : undefined;
  if (o.fresh && existsSync(stateDir)) {
    // --fresh deletes a directory: make sure it is one of ours.
    const entries = readdirSync(stateDir);
    if (entries.length > 0 && !entries.includes('state.json')) {
      throw new CliError(`--fresh would delete ${stateDir}, which does not look like a basicauth state directory (no state.json)`, { hint: 'check --state-dir' });
    }
    rmSync(stateDir, { recursive: true, force: true });
  }

  const [{ LocalCloud }, { LocalEdge }, { DemoOrigin }, { bundleHandler }, { distributionConfigXml }] = await Promise.all([
    import('../local/server.js'),
    import('../local/edge.js'),
    import('../local/demo-origin.js'),
    import('../../stacks/bundle.js'),
    import('../local/cloudfront-config.js'),
  ]);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const cloud = await step(emit, 'cloud', 'start the local AWS endpoints', async () => {
      const c = await LocalCloud.start({
        stateDir,
        port: o.apiPort,
        instances: o.instances,
        deploySeconds: o.deploySeconds,
        faultInjection: Boolean(o.faultInjection),
        log: (line) => emit({ type: 'log', level: 'info', message: line }),
        ...(o.functionLog ? { functionLog: o.functionLog } : {}),
      });
      stops.push(() => c.stop());
      return c;
    }, (c) => c.endpoint);
    const region = cloud.store.state.region;
    const aws = createAwsClients({ region, endpoint: cloud.endpoint });

    const [edgeBundle, rotateBundle] = await step(emit, 'bundle', 'bundle the handlers', () =>
      Promise.all([
        bundleHandler({ handler: 'edge-auth', edgeConfig: { secretId: DEV_SECRET_NAME, secretRegion: region, realm: 'basicauth dev', ...o.edge } }),
        bundleHandler({ handler: 'rotate' }),
      ]),
    );

    const { edgeFunction, rotateFunction, edgeVersion } = await step(emit, 'functions', 'register the functions', async () => {
      const rotate = cloud.lambda.putFunction({
        name: DEV_ROTATE_FUNCTION,
        code: rotateBundle.code,
        zip: rotateBundle.zip,
        timeout: 30,
        description: 'basicauth rotation (dev)',
        ...(o.rotationEnvironment ? { environment: o.rotationEnvironment } : {}),
      }).fn;
      const edge = cloud.lambda.putFunction({ name: DEV_EDGE_FUNCTION, code: edgeBundle.code, zip: edgeBundle.zip, timeout: 5, description: 'basicauth edge auth (dev)' }).fn;
      const { PublishVersionCommand } = await import('@aws-sdk/client-lambda');
      const published = await (await aws.lambda()).send(new PublishVersionCommand({ FunctionName: edge.name }));
      return { edgeFunction: edge, rotateFunction: rotate, edgeVersion: published.Version as string };
    }, (f) => `edge version ${f.edgeVersion}`);

    const secretArn = await step(emit, 'secret', 'create the secret and its first password', async () => {
      const sm = await aws.secretsManager();
      const { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
      let described = await sm.send(new DescribeSecretCommand({ SecretId: DEV_SECRET_NAME })).catch((error: { name?: string }) => {
        if (error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      });
      if (!described) {
        await sm.send(new CreateSecretCommand({ Name: DEV_SECRET_NAME, Description: 'basicauth dev credentials (rotated by basicauth-dev-rotate)' }));
        described = await sm.send(new DescribeSecretCommand({ SecretId: DEV_SECRET_NAME }));
      }
      const rulesChanged = JSON.stringify(described.RotationRules ?? {}) !== JSON.stringify(o.rotationRules);
      if (!described.RotationEnabled || described.RotationLambdaARN !== rotateFunction.arn || rulesChanged) {
        // Enabling rotation rotates at once, as in AWS: that creates the first password.
        const hasValue = Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSCURRENT'));
        await sm.send(new RotateSecretCommand({ SecretId: DEV_SECRET_NAME, RotationLambdaARN: rotateFunction.arn, RotationRules: o.rotationRules, RotateImmediately: !hasValue }));
      }
      const deadline = Date.now() + 30_000;
      for (;;) {
        const current = await sm.send(new GetSecretValueCommand({ SecretId: DEV_SECRET_NAME })).catch(() => undefined);
        if (current) return described.ARN as string;
        const rotation = cloud.store.state.secrets.find((s) => s.name === DEV_SECRET_NAME)?.rotation;
        if (rotation?.failedStep) throw new CliError(`the first rotation failed at ${rotation.failedStep}: ${rotation.error}`, { hint: 'run again with --fresh; if it persists, report it' });
        if (Date.now() > deadline) throw new CliError('the first rotation did not finish within 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    const originServer = origin ? undefined : await DemoOrigin.start();
    if (originServer) stops.push(() => originServer.stop());
    const originUrl = o.origin ?? (originServer as { url: string }).url;
    const target = origin ?? parseOrigin(originUrl);
    const qualifiedArn = `${edgeFunction.arn}:${edgeVersion}`;

    const distributionId = await step(emit, 'distribution', 'point the distribution at the origin and the edge function', async () => {
      const existing = cloud.store.state.distributions.find((d) => cloud.cloudfront.routing(d).callerReference === CALLER_REFERENCE);
      if (!existing) {
        return cloud.cloudfront.createDistribution(distributionConfigXml({ callerReference: CALLER_REFERENCE, comment: 'basicauth dev', origin: target, viewerRequestArn: qualifiedArn })).id;
      }
      const cf = await aws.cloudfront();
      const pointEdge = pointViewerRequest(edgeFunction.arn, qualifiedArn);
      await updateDistributionConfig(cf, existing.id, (config) => {
        const first = config.Origins?.Items?.[0];
        let changed = pointEdge(config);
        if (first && (first.DomainName !== target.domainName || currentPort(first) !== target.port || currentProtocol(first) !== target.protocol)) {
          first.DomainName = target.domainName;
          first.CustomOriginConfig = {
            ...first.CustomOriginConfig,
            HTTPPort: target.protocol === 'http' ? target.port : 80,
            HTTPSPort: target.protocol === 'https' ? target.port : 443,
            OriginProtocolPolicy: target.protocol === 'http' ? 'http-only' : 'https-only',
          };
          changed = true;
        }
        return changed;
      });
      return existing.id;
    });

    const edge = await step(emit, 'edge', 'start the local edge', async () => {
      const e = await LocalEdge.start({ cloud, distributionId, port: o.port, ...(o.requestLog ? { onRequest: o.requestLog } : {}) });
      stops.push(() => e.stop());
      return e;
    }, (e) => e.url);

    const info: DevInfo = {
      pid: process.pid,
      stateDir,
      endpoint: cloud.endpoint,
      edgeUrl: `${edge.url}/`,
      region,
      secretId: secretArn,
      secretName: DEV_SECRET_NAME,
      distributionId,
      edgeFunctionName: DEV_EDGE_FUNCTION,
      rotateFunctionName: DEV_ROTATE_FUNCTION,
      startedAt: new Date().toISOString(),
    };
    writeDevInfo(info);
    stops.unshift(async () => clearDevInfo(stateDir));
    return { ...info, originUrl, demoOrigin: !origin, edgeVersion, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

type OriginLike = { CustomOriginConfig?: { HTTPPort?: number; HTTPSPort?: number; OriginProtocolPolicy?: string } };
const currentProtocol = (o: OriginLike) => (o.CustomOriginConfig?.OriginProtocolPolicy === 'http-only' ? 'http' : 'https');
const currentPort = (o: OriginLike) => (currentProtocol(o) === 'http' ? o.CustomOriginConfig?.HTTPPort : o.CustomOriginConfig?.HTTPSPort);
