// The local cloud: one HTTP listener on 127.0.0.1 speaking the Secrets
// Manager (JSON 1.1), Lambda (REST-JSON) and CloudFront (REST-XML) wire
// protocols, over a state directory. A library with start()/stop(), used by
// `basicauth dev` and by the tests.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloudFront } from './cloudfront.js';
import { Lambda } from './lambda.js';
import { LambdaRuntime, FunctionError } from './lambda-runtime.js';
import { readBody, requestId, sendJson, ServiceError, signedRegion } from './protocol.js';
import { SecretsManager } from './secrets-manager.js';
import { StateStore } from './state.js';
import { LOCAL_CREDENTIALS } from './credentials.js';
import { escapeXml } from '../xml.js';
import { Faults } from './faults.js';

/** The operation name of a REST call, for fault rules. */
function operationOf(service: string, method: string, path: string): string {
  if (service === 'cloudfront') {
    if (/\/config$/.test(path)) return method === 'PUT' ? 'UpdateDistribution' : 'GetDistributionConfig';
    return /\/distribution\/[^/]+$/.test(path) ? 'GetDistribution' : 'ListDistributions';
  }
  if (service === 'lambda') {
    if (path.endsWith('/invocations')) return 'Invoke';
    if (path.endsWith('/versions')) return method === 'POST' ? 'PublishVersion' : 'ListVersionsByFunction';
    if (path.endsWith('/configuration')) return method === 'PUT' ? 'UpdateFunctionConfiguration' : 'GetFunctionConfiguration';
    return 'GetFunction';
  }
  return 'Unknown';
}
import { PACKAGE_ROOT } from '../../stacks/bundle.js';

export interface LocalCloudOptions {
  stateDir: string;
  /** 0 picks a free port */
  port?: number;
  /** independent instances per function version (the edge spreads requests over them) */
  instances?: number;
  /** how long a distribution reads InProgress after a change */
  deploySeconds?: number;
  /** how often due rotations are looked for */
  scheduleIntervalMs?: number;
  log?: (line: string) => void;
  functionLog?: (label: string, line: string) => void;
  /** accept fault rules on /_local/faults (tests and benchmarks only) */
  faultInjection?: boolean;
}


const JSON_11 = 'application/x-amz-json-1.1';

export class LocalCloud {
  readonly store: StateStore;
  readonly runtime: LambdaRuntime;
  readonly lambda: Lambda;
  readonly secretsManager: SecretsManager;
  readonly cloudfront: CloudFront;
  readonly faults = new Faults();
  endpoint = '';
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: LocalCloudOptions) {
    const log = options.log ?? (() => {});
    this.store = new StateStore(options.stateDir);
    this.runtime = new LambdaRuntime({
      instances: options.instances ?? 1,
      onLog: options.functionLog ?? (() => {}),
      packageNodeModules: join(PACKAGE_ROOT, 'node_modules'),
      rootDir: this.store.codeDir,
    });
    this.lambda = new Lambda(this.store, this.runtime, (name, version) => `${this.endpoint}/_local/code/${encodeURIComponent(name)}/${encodeURIComponent(version)}.zip`, () => this.functionEnv());
    this.secretsManager = new SecretsManager({
      store: this.store,
      invoke: async (arn, event) => {
        const fault = this.faults.match('lambda', 'Invoke', (event as { Step?: string }).Step);
        if (fault) {
          try {
            await this.faults.apply(fault);
          } catch (error) {
            throw new FunctionError('InjectedFault', (error as Error).message);
          }
        }
        await this.lambda.invoke(arn, event);
      },
      log,
    });
    this.cloudfront = new CloudFront(this.store, this.lambda, options.deploySeconds ?? 5, () => void this.retireUnusedVersions());
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const cloud = new LocalCloud(options);
    await cloud.listen(options.port ?? 4599);
    cloud.secretsManager.resumeInterruptedRotations();
    cloud.timer = setInterval(() => cloud.secretsManager.runDueRotations(), options.scheduleIntervalMs ?? 1000);
    cloud.timer.unref();
    return cloud;
  }

  /** What every function sees besides its own variables: the local endpoints, fake credentials, the region. */
  functionEnv(): Record<string, string> {
    return {
      ...LOCAL_CREDENTIALS,
      AWS_SESSION_TOKEN: 'local',
      AWS_REGION: this.store.state.region,
      AWS_DEFAULT_REGION: this.store.state.region,
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use (local AWS endpoint): pass another --api-port`) : error),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async retireUnusedVersions(): Promise<void> {
    const inUse = new Set<string>();
    for (const d of this.store.state.distributions) {
      for (const { arn } of this.cloudfront.routing(d).lambdaArns) inUse.add(arn.split(':').slice(-2).join(':'));
    }
    const edgeFunctions = new Set([...inUse].map((k) => k.split(':')[0]));
    // versions of edge functions no longer associated stop; other functions (rotation) stay
    await this.runtime.retire((name, version) => !edgeFunctions.has(name) || version === '$LATEST' || inUse.has(`${name}:${version}`));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.secretsManager.settled();
    await this.runtime.stop();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  // ---- dispatch -------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const target = String(req.headers['x-amz-target'] ?? '');
    const service = target.startsWith('secretsmanager.') ? 'secretsmanager' : url.pathname.startsWith('/2015-03-31/') ? 'lambda' : url.pathname.startsWith('/2020-05-31/') ? 'cloudfront' : 'local';
    try {
      if (url.pathname.startsWith('/_local/')) return this.handleLocal(req, url, res);
      const region = signedRegion(req, url);
      if (region === null) throw new ServiceError(service === 'cloudfront' ? 'AccessDenied' : 'MissingAuthenticationTokenException', 'Missing Authentication Token: sign the request with AWS credentials (any will do locally).', 403);
      const body = await readBody(req);
      const fault = this.faults.match(service, service === 'secretsmanager' ? target.slice('secretsmanager.'.length) : operationOf(service, req.method ?? 'GET', url.pathname));
      if (fault) await this.faults.apply(fault);
      if (service === 'secretsmanager') return await this.handleSecretsManager(target.slice('secretsmanager.'.length), body, region ?? this.store.state.region, res);
      if (service === 'lambda') return await this.handleLambda(req.method ?? 'GET', url, body, res);
      if (service === 'cloudfront') return this.handleCloudFront(req, url, body, res);
      throw new ServiceError('UnknownOperationException', `The basicauth local cloud speaks Secrets Manager, Lambda and CloudFront only; nothing answers ${req.method} ${url.pathname}${target ? ` (${target})` : ''}.`, 404);
    } catch (error) {
      this.sendError(service, res, error);
    }
  }

  private sendError(service: string, res: ServerResponse, error: unknown): void {
    const e = error instanceof ServiceError ? error : new ServiceError(service === 'secretsmanager' ? 'InternalServiceError' : 'ServiceException', `local cloud error: ${(error as Error)?.message ?? error}`, 500, 'Receiver');
    if (res.headersSent) return void res.destroy();
    if (service === 'cloudfront') {
      const xml = `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>${e.type}</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
      res.writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() }).end(xml);
    } else if (service === 'lambda') {
      sendJson(res, e.status, { Type: e.type === 'Sender' ? 'User' : 'Service', message: e.message }, 'application/json', { 'x-amzn-errortype': e.code });
    } else {
      sendJson(res, e.status, { __type: e.code, message: e.message }, JSON_11, { 'x-amzn-errortype': e.code });
    }
  }

  private handleLocal(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (url.pathname === '/_local/health') {
      return sendJson(res, 200, { ok: true, services: ['secretsmanager', 'lambda', 'cloudfront'], pid: process.pid }, 'application/json');
    }
    if (url.pathname === '/_local/faults') {
      if (!this.options.faultInjection) throw new ServiceError('NotFound', 'fault injection is off: start the local cloud with it (tests and benchmarks only)', 404);
      return void readBody(req).then(
        (body) => {
          if (req.method === 'DELETE') this.faults.set([]);
          else if (req.method === 'POST' || req.method === 'PUT') this.faults.set((JSON.parse(body.toString('utf8') || '{}') as { rules?: unknown }).rules);
          sendJson(res, 200, { rules: this.faults.list(), hits: this.faults.hits.length }, 'application/json');
        },
        (error) => this.sendError('local', res, error),
      );
    }
    if (url.pathname === '/_local/rotation') {
      // Not an AWS API: what AWS shows only in the rotation function's logs,
      // so that commands run with --local can say at once why a rotation failed.
      const id = url.searchParams.get('secretId') ?? '';
      const secret = this.store.state.secrets.find((s) => s.arn === id || s.name === id);
      return sendJson(res, secret ? 200 : 404, secret?.rotation ?? {}, 'application/json');
    }
    const code = /^\/_local\/code\/([^/]+)\/([^/]+)\.zip$/.exec(url.pathname);
    if (code) {
      const zip = this.lambda.zipOf(decodeURIComponent(code[1]!), decodeURIComponent(code[2]!));
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);
      return;
    }
    throw new ServiceError('NotFound', `no local resource at ${url.pathname}`, 404);
  }

  private async handleSecretsManager(operation: string, body: Buffer, region: string, res: ServerResponse): Promise<void> {
    const handler = this.secretsManager.operations[operation];
    if (!handler) {
      throw new ServiceError('UnknownOperationException', `The basicauth local cloud does not implement secretsmanager.${operation}; it implements ${Object.keys(this.secretsManager.operations).join(', ')}.`);
    }
    let input: Record<string, unknown>;
    try {
      input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
    }
    sendJson(res, 200, handler(input ?? {}, region), JSON_11);
  }

  private async handleLambda(method: string, url: URL, body: Buffer, res: ServerResponse): Promise<void> {
    const m = /^\/2015-03-31\/functions\/?([^/]*)(?:\/(configuration|versions|invocations))?\/?$/.exec(url.pathname);
    if (!m) throw new ServiceError('UnknownOperationException', `The basicauth local cloud does not implement Lambda ${method} ${url.pathname}.`, 404);
    const name = decodeURIComponent(m[1] ?? '');
    const sub = m[2];
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    const json = () => (body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
    const send = (status: number, value: unknown) => sendJson(res, status, value, 'application/json');
    if (!name && method === 'GET') return send(200, this.lambda.listFunctions());
    if (!sub && method === 'GET') return send(200, this.lambda.getFunction(name, qualifier));
    if (sub === 'configuration' && method === 'GET') return send(200, this.lambda.getFunctionConfiguration(name, qualifier));
    if (sub === 'configuration' && method === 'PUT') return send(200, this.lambda.updateFunctionConfiguration(name, json()));
    if (sub === 'versions' && method === 'POST') return send(201, this.lambda.publishVersion(name, json()));
    if (sub === 'versions' && method === 'GET') {
      const max = url.searchParams.get('MaxItems');
      return send(200, this.lambda.listVersionsByFunction(name, url.searchParams.get('Marker') ?? undefined, max ? Number(max) : undefined));
    }
    if (sub === 'invocations' && method === 'POST') {
      const out = await this.lambda.invokeWire(name, qualifier, body);
      res.writeHead(out.status, {
        'content-type': 'application/json',
        'x-amz-executed-version': this.lambda.resolve(name, qualifier).version.version,
        ...(out.functionError ? { 'x-amz-function-error': out.functionError } : {}),
      });
      res.end(out.body);
      return;
    }
    throw new ServiceError('UnknownOperationException', `The basicauth local cloud does not implement Lambda ${method} ${url.pathname}.`, 404);
  }

  private handleCloudFront(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    const m = /^\/2020-05-31\/distribution(?:\/([^/]+)(\/config)?)?\/?$/.exec(url.pathname);
    const method = req.method ?? 'GET';
    const send = (xml: string, etag?: string) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId(), ...(etag ? { etag } : {}) });
      res.end(xml);
    };
    if (m && !m[1] && method === 'GET') return send(this.cloudfront.listXml());
    if (m && m[1] && !m[2] && method === 'GET') {
      const d = this.cloudfront.find(m[1]);
      return send(this.cloudfront.distributionXml(d), d.etag);
    }
    if (m && m[1] && m[2] && method === 'GET') {
      const d = this.cloudfront.find(m[1]);
      return send(this.cloudfront.configXml(d), d.etag);
    }
    if (m && m[1] && m[2] && method === 'PUT') {
      const d = this.cloudfront.update(m[1], req.headers['if-match'] as string | undefined, body.toString('utf8'));
      return send(this.cloudfront.distributionXml(d), d.etag);
    }
    throw new ServiceError('UnknownOperation', `The basicauth local cloud does not implement CloudFront ${method} ${url.pathname}.`, 404);
  }
}

export { FunctionError };
