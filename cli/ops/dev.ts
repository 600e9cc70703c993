// `basicauth dev`: the whole system on this machine. It sets the local cloud
// up the way a deploy sets AWS up (same SDK calls where the local cloud has
// the operation), then serves the local edge in front of the origin.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EdgeAuthConfig } from '../../handlers/edge-auth/config.js';
import { CliError } from '../core/errors.js';
import { step, type Emit } from '../core/events.js';
import { clearDevInfo, findDev, writeDevInfo, type DevInfo } from '../dev/session.js';
import type { EdgeRequestLine } from '../local/edge.js';
import type { EdgeSite } from '../local/edges.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

export const DEV_SECRET_NAME = 'basicauth/dev';
export const DEV_EDGE_FUNCTION = 'basicauth-dev-edge-auth';
export const DEV_ROTATE_FUNCTION = 'basicauth-dev-rotate';
export const DEV_KEY_VALUE_STORE = 'basicauth-dev-digests';

export type EdgeEngine = EdgeEngineName;
const CALLER_REFERENCE = 'basicauth-dev';

export interface DevOptions {
  stateDir: string;
  /** which edge engine checks the credentials (default lambda-edge) */
  engine?: EdgeEngine;
  port: number;
  apiPort: number;
  instances: number;
  origin?: string;
  fresh: boolean;
  deploySeconds: number;
  /** how long a new or updated function reads Pending / InProgress (ms) */
  functionUpdateMs: number;
  rotationRules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  edge?: Partial<EdgeAuthConfig>;
  /** environment of the rotation function (password policy, usernames) */
  rotationEnvironment?: Record<string, string>;
  functionLog?: (label: string, line: string) => void;
  faultInjection?: boolean;
  /** judge role-signed calls by the role's IAM policies */
  enforceIam?: boolean;
  /** the config (absolute path) the settings came from, recorded for the commands run with --local */
  configFile?: string;
  requestLog?: (line: EdgeRequestLine) => void;
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
    throw new CliError(`--origin ${origin} is not a URL`, {
      hint: 'pass the origin as http://host:port or https://host',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--origin ${origin} must be http or https`);
  if (url.pathname !== '/' || url.search)
    throw new CliError(`--origin ${origin} must not have a path or query`, { hint: `use ${url.origin}` });
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { domainName: url.hostname, protocol, port: Number(url.port || (protocol === 'http' ? 80 : 443)) };
}

/** Fails with the fix when `port` (not 0) cannot be listened on at 127.0.0.1. Racy by nature; the real listen still reports. */
async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new CliError(`port ${port} on 127.0.0.1 is in use (${what})`, {
            hint: `stop what uses it, or pass another ${flag} (0 picks a free one)`,
          }),
        );
      else if (error.code === 'EACCES')
        reject(
          new CliError(`port ${port} on 127.0.0.1 needs privileges (${what})`, {
            hint: `pass a port above 1023 to ${flag}`,
          }),
        );
      else reject(error);
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
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
  // Both ports before anything is created: a busy one must not cost a half set-up.
  await assertPortFree(o.apiPort, 'local AWS endpoints', '--api-port');
  await assertPortFree(o.port, 'the protected site', '--port');
  if (o.fresh && existsSync(stateDir)) {
    // --fresh deletes a directory: make sure it is one of ours.
    const entries = readdirSync(stateDir);
    if (entries.length > 0 && !entries.includes('state.json')) {
      throw new CliError(
        `--fresh would delete ${stateDir}, which does not look like a basicauth state directory (no state.json)`,
        { hint: 'check --state-dir' },
      );
    }
    rmSync(stateDir, { recursive: true, force: true });
  }

  const engine = o.engine ?? 'lambda-edge';
  const [
    { LocalCloud },
    { LocalEdges },
    { DemoOrigin },
    { bundleHandler },
    { bundleFunction },
    { provisionSite, SiteError },
    { Dashboard },
  ] = await Promise.all([
    import('../local/cloud.js'),
    import('../local/edges.js'),
    import('../local/demo-origin.js'),
    import('../../stacks/bundle.js'),
    import('../../stacks/function-bundle.js'),
    import('../local/site.js'),
    import('../local/dashboard.js'),
  ]);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const cloud = await step(
      emit,
      'cloud',
      'start the local AWS endpoints',
      async () => {
        const c = await LocalCloud.start({
          stateDir,
          port: o.apiPort,
          instances: o.instances,
          deploySeconds: o.deploySeconds,
          functionUpdateMs: o.functionUpdateMs,
          faultInjection: Boolean(o.faultInjection),
          enforceIam: Boolean(o.enforceIam),
          onEvent: (event) => {
            if (event.type === 'log') emit({ type: 'log', level: event.level, message: event.message });
            else if (event.type === 'unknown-operation')
              emit({
                type: 'log',
                level: 'warn',
                message: `not implemented by the local cloud: ${event.service} ${event.operation}`,
              });
            else if (event.type === 'function.log') o.functionLog?.(event.label, event.line);
          },
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE')
            throw new CliError(`port ${o.apiPort} on 127.0.0.1 is in use (local AWS endpoints)`, {
              hint: 'stop what uses it, or pass another --api-port (0 picks a free one)',
            });
          throw error;
        });
        stops.push(() => c.stop());
        return c;
      },
      (c) => c.endpoint,
    );
    const region = cloud.store.state.region;

    const edgeConfig = { secretId: DEV_SECRET_NAME, secretRegion: region, realm: 'basicauth dev', ...o.edge };
    const [edgeBundle, rotateBundle] = await step(
      emit,
      'bundle',
      engine === 'lambda-edge' ? 'bundle the handlers' : 'bundle the CloudFront function and the rotation handler',
      () =>
        Promise.all([
          engine === 'lambda-edge' ? bundleHandler({ handler: 'edge-auth', edgeConfig }) : bundleFunction(edgeConfig),
          bundleHandler({ handler: 'rotate' }),
        ]),
    );

    const originServer = origin ? undefined : await DemoOrigin.start();
    if (originServer) stops.push(() => originServer.stop());
    const originUrl = o.origin ?? (originServer as { url: string }).url;

    const site = await step(
      emit,
      'site',
      'set up the secret, its first password, the functions and the distribution',
      async () => {
        try {
          return await provisionSite(cloud, {
            secretName: DEV_SECRET_NAME,
            secretDescription: `basicauth dev credentials (rotated by ${DEV_ROTATE_FUNCTION})`,
            ...('zip' in edgeBundle
              ? { edgeFunction: { name: DEV_EDGE_FUNCTION, zip: edgeBundle.zip } }
              : {
                  cloudFrontFunction: {
                    name: DEV_EDGE_FUNCTION,
                    code: edgeBundle.code,
                    keyValueStoreName: DEV_KEY_VALUE_STORE,
                    graceSeconds: edgeBundle.edgeConfig.graceSeconds,
                  },
                }),
            rotateFunction: {
              name: DEV_ROTATE_FUNCTION,
              zip: rotateBundle.zip,
              ...(o.rotationEnvironment ? { environment: o.rotationEnvironment } : {}),
            },
            rotationRules: o.rotationRules,
            callerReference: CALLER_REFERENCE,
            comment: 'basicauth dev',
            origin: origin ?? parseOrigin(originUrl),
          });
        } catch (error) {
          if (error instanceof SiteError)
            throw new CliError(error.message, { hint: 'run again with --fresh; if it persists, report it' });
          throw error;
        }
      },
      (s) =>
        s.engine === 'lambda-edge'
          ? `edge version ${s.edgeVersion}`
          : 'CloudFront function LIVE, digests in the key value store',
    );

    let edgesRef: { sites(): EdgeSite[] } | undefined;
    const dashboard = new Dashboard(cloud, () => edgesRef?.sites() ?? []);
    stops.push(async () => dashboard.stop());
    cloud.serveLocalHandler((req, res, pathname) => dashboard.handle(req, res, pathname));
    const edges = await step(
      emit,
      'edge',
      'start the local edge',
      async () => {
        const onRequest = (line: EdgeRequestLine) => {
          dashboard.request(line);
          o.requestLog?.(line);
        };
        const e = new LocalEdges(cloud, { ports: { [site.distributionId]: o.port }, onRequest });
        edgesRef = e;
        stops.push(() => e.stop());
        await e.start().catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE')
            throw new CliError(`port ${o.port} on 127.0.0.1 is in use (the protected site)`, {
              hint: 'stop what uses it, or pass another --port (0 picks a free one)',
            });
          throw error;
        });
        cloud.serveLocal('/_local/sites', () => e.sites());
        return e;
      },
      (e) => e.urlOf(site.distributionId),
    );

    const info: DevInfo = {
      pid: process.pid,
      stateDir,
      endpoint: cloud.endpoint,
      edgeUrl: edges.urlOf(site.distributionId) as string,
      region,
      secretId: site.secretArn,
      secretName: DEV_SECRET_NAME,
      distributionId: site.distributionId,
      edgeFunctionName: DEV_EDGE_FUNCTION,
      rotateFunctionName: DEV_ROTATE_FUNCTION,
      engine,
      ...(site.keyValueStoreArn ? { keyValueStoreArn: site.keyValueStoreArn } : {}),
      startedAt: new Date().toISOString(),
      dashboardUrl: `${cloud.endpoint}/_local/dashboard`,
      ...(o.configFile ? { config: o.configFile } : {}),
    };
    writeDevInfo(info);
    stops.unshift(async () => clearDevInfo(stateDir));
    return { ...info, originUrl, demoOrigin: !origin, edgeVersion: site.edgeVersion, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
