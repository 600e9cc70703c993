// The local cloud: one HTTP listener on 127.0.0.1 in front of a set of
// service plugins. A request is routed by its SigV4 credential scope (service,
// region), decoded and answered the way that service's protocol does; faults
// apply to every plugin alike. A library with start()/stop(), used by
// `basicauth dev` and by the tests; it imports nothing from the CLI.

import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_CREDENTIALS } from './credentials.js';
import type { LocalEvent, LocalListener } from './events.js';
import { Faults } from './faults.js';
import type { ServiceHost } from './host.js';
import { ServiceError, type LocalRequest, type OperationInput, type ServicePlugin } from './plugin.js';
import { decodeRequest, protocolOf, sendError, sendResult, unknownOperation } from './protocols.js';
import type { RoleSession, Services } from './services.js';
import { CloudFrontService } from './services/cloudfront/index.js';
import { IamService } from './services/iam.js';
import { keyValueStoreDataPlugin } from './services/key-value-store-data.js';
import { FunctionError, LambdaService } from './services/lambda/index.js';
import { LogsService } from './services/logs.js';
import { SecretsManagerService } from './services/secrets-manager/index.js';
import { S3Service } from './services/s3.js';
import { evaluate } from './services/iam-policy.js';
import { accessKeyOf, stsPlugin } from './services/sts.js';
import { requirementsOf } from './authorize.js';
import { StateStore } from './state.js';

export { FunctionError };

/** The nearest node_modules holding the AWS SDK: bundles leave the SDK to the runtime, and locally the runtime's SDK is ours. */
const PACKAGE_NODE_MODULES = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== resolve(dir, '..'); dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'node_modules', '@aws-sdk', 'client-secrets-manager'))) return join(dir, 'node_modules');
  }
  return join(process.cwd(), 'node_modules');
})();

export interface LocalCloudOptions {
  stateDir: string;
  /** 0 picks a free port */
  port?: number;
  /** independent instances per function version (the edge spreads requests over them) */
  instances?: number;
  /** how long a distribution reads InProgress after a change */
  deploySeconds?: number;
  /** how long a new function reads Pending and an update InProgress (ms) */
  functionUpdateMs?: number;
  /** how often due rotations are looked for */
  scheduleIntervalMs?: number;
  /** accept fault rules on /_local/faults (tests and benchmarks only) */
  faultInjection?: boolean;
  /** told about everything the cloud does (logs, rotations, function output) */
  onEvent?: LocalListener;
  /**
   * IAM evaluation: a call signed with a role's temporary credentials (STS
   * AssumeRole, or a function's execution role) is allowed only if the role's
   * identity policies allow its action on its resource. The account's own
   * credentials (Terraform, dev itself) stay allowed everything, like an administrator.
   */
  enforceIam?: boolean;
}

// *.localhost too: the KeyValueStore client puts the account in front of the endpoint's host (RFC 6761 loopback names).
const LOOPBACK_HOST = /^(127\.0\.0\.1|(?:[a-z0-9-]+\.)?localhost|\[::1\])(:\d+)?$/i;

export class LocalCloud {
  readonly store: StateStore;
  readonly faults = new Faults();
  readonly lambda: LambdaService;
  readonly secretsManager: SecretsManagerService;
  readonly cloudfront: CloudFrontService;
  readonly iam: IamService;
  readonly logs: LogsService;
  readonly s3: S3Service;
  private readonly plugins = new Map<string, ServicePlugin>();
  private readonly listeners = new Set<LocalListener>();
  private readonly localRoutes = new Map<string, () => unknown>();
  private readonly localHandlers: Array<(req: IncomingMessage, res: ServerResponse, pathname: string) => boolean> = [];
  endpoint = '';
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: LocalCloudOptions) {
    this.store = new StateStore(options.stateDir);
    if (options.onEvent) this.listeners.add(options.onEvent);
    const host: ServiceHost = {
      store: this.store,
      emit: (event) => this.emit(event),
      now: Date.now,
      services: {} as Services,
      endpoint: () => this.endpoint,
    };
    // Each service: constructed and registered in one line (a field, where the library's users reach it by name).
    this.iam = this.add(new IamService(host));
    this.logs = this.add(new LogsService(host));
    this.s3 = this.add(new S3Service(host));
    this.lambda = this.add(
      new LambdaService(host, {
        instances: options.instances ?? 1,
        updateMs: options.functionUpdateMs ?? 0,
        packageNodeModules: PACKAGE_NODE_MODULES,
        onLog: (label, line, spec) => {
          this.emit({ type: 'function.log', label, line });
          this.logs.write(spec.log.region, spec.log.group, spec.log.stream, line);
        },
        baseEnv: (region, role) => this.functionEnv(region, role),
      }),
    );
    this.secretsManager = this.add(
      new SecretsManagerService(host, async (arn, event) => {
        const fault = this.faults.match('lambda', 'Invoke', event.Step);
        if (fault) {
          try {
            await this.faults.apply(fault);
          } catch (error) {
            throw new FunctionError('InjectedFault', (error as Error).message);
          }
        }
        await this.lambda.facade.invoke(arn, event);
      }),
    );
    this.cloudfront = this.add(new CloudFrontService(host, options.deploySeconds ?? 5));
    this.add({ plugin: stsPlugin(host) });
    this.add({ plugin: keyValueStoreDataPlugin(host, this.cloudfront.functions) });
    // what services may ask of each other (plugin.ts: small interfaces, never each other's state)
    Object.assign(host.services, {
      lambda: this.lambda.facade,
      iam: this.iam.facade,
      cloudfront: this.cloudfront.facade,
    } satisfies Services);
    // versions no distribution runs any more stop; other functions (rotation) stay
    this.on((event) => {
      if (event.type === 'distribution') void this.retireUnusedVersions();
    });
  }

  /** Registers a service's plugin (the wire protocol, operations, IAM resources, Terraform endpoint) and gives the service back. */
  private add<T extends { plugin: ServicePlugin }>(service: T): T {
    this.plugins.set(service.plugin.name, service.plugin);
    return service;
  }

  services(): string[] {
    return [...this.plugins.keys()];
  }

  /** The Terraform provider's endpoint keys this cloud answers (deploy --local points them here). */
  terraformEndpoints(): string[] {
    return [...this.plugins.values()].flatMap((p) => (p.terraformEndpoint ? [p.terraformEndpoint] : []));
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const cloud = new LocalCloud(options);
    await cloud.listen(options.port ?? 4599);
    for (const plugin of cloud.plugins.values()) plugin.start?.();
    cloud.timer = setInterval(() => cloud.secretsManager.rotations.runDue(), options.scheduleIntervalMs ?? 1000);
    cloud.timer.unref();
    return cloud;
  }

  /**
   * Runs an operation in-process with the same code and semantics as over the
   * wire (no codec): what the site provisioning and tests use.
   */
  async call<T = Record<string, unknown>>(
    service: string,
    operation: string,
    input: Record<string, unknown> = {},
    region = this.store.state.region,
  ): Promise<T> {
    const plugin = this.plugins.get(service);
    const run = plugin?.operations[operation];
    if (!run) throw new Error(`the local cloud has no ${service} ${operation}`);
    const request: LocalRequest = {
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: {},
      body: Buffer.alloc(0),
      region,
    };
    return (await run({ ...input, $request: request })) as T;
  }

  /** A handler for other /_local/ paths (the dev dashboard): returns whether it answered. */
  serveLocalHandler(handler: (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean): void {
    this.localHandlers.push(handler);
  }

  /** A read-only JSON document under /_local/ (e.g. the sites the local edges serve). */
  serveLocal(path: string, read: () => unknown): void {
    this.localRoutes.set(path, read);
  }

  on(listener: LocalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LocalEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /**
   * What every function sees besides its own variables: the local endpoints, its region, and credentials:
   * with IAM evaluation on, those of its execution role (as Lambda gives them), else the account's own.
   */
  functionEnv(region: string, role?: string): Record<string, string> {
    const session =
      this.options.enforceIam && role && this.iam.facade.roleTrusts(role, 'lambda.amazonaws.com')
        ? this.functionSession(role)
        : undefined;
    return {
      ...(session
        ? {
            AWS_ACCESS_KEY_ID: session.accessKeyId,
            AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
            AWS_SESSION_TOKEN: session.sessionToken,
          }
        : { ...LOCAL_CREDENTIALS, AWS_SESSION_TOKEN: 'local' }),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  private readonly functionSessions = new Map<string, RoleSession>();
  /** One session per execution role, renewed before it expires (a warm instance keeps the credentials it started with). */
  private functionSession(role: string): RoleSession {
    const current = this.functionSessions.get(role);
    if (current && current.expires - Date.now() > 6 * 3_600_000) return current;
    const session = this.iam.facade.openSession(role, 'basicauth-local-function', 43_200);
    this.functionSessions.set(role, session);
    return session;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolveListen);
    });
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async retireUnusedVersions(): Promise<void> {
    const inUse = this.cloudfront.facade.associatedFunctionArns();
    const edgeFunctions = new Set([...inUse].map((arn) => arn.split(':').slice(0, -1).join(':')));
    await this.lambda.runtime.retire((key) => {
      const fn = key.slice(0, key.lastIndexOf(':'));
      return !edgeFunctions.has(fn) || key.endsWith(':$LATEST') || inUse.has(key);
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const plugin of this.plugins.values()) await plugin.stop?.();
    await this.lambda.runtime.stop();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }

  // ---- dispatch -----------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    let request: LocalRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.alloc(0),
      region: '',
    };
    let plugin: ServicePlugin | undefined;
    try {
      // Only this machine's clients: no other Host (DNS rebinding), no browser page of another origin.
      if (!LOOPBACK_HOST.test(String(req.headers.host ?? '')))
        throw new ServiceError(
          'AccessDenied',
          'The basicauth local cloud answers requests to 127.0.0.1 or localhost only.',
          403,
        );
      if (req.headers.origin && !isSameOrigin(String(req.headers.origin), String(req.headers.host)))
        throw new ServiceError(
          'AccessDenied',
          'The basicauth local cloud does not answer cross-origin browser requests.',
          403,
        );
      // A no-cors <img> or <script> of another page sends no Origin; its browser still says where it comes from.
      if (CROSS_SITE_FETCH.test(String(req.headers['sec-fetch-site'] ?? '')))
        throw new ServiceError(
          'AccessDenied',
          'The basicauth local cloud does not answer requests made by a web page of another site.',
          403,
        );
      if (url.pathname.startsWith('/_local/')) return await this.handleLocal(req, url, res);
      const scope = credentialScope(req, url);
      request.body = await readBody(req);
      if (!scope)
        throw new ServiceError(
          'MissingAuthenticationTokenException',
          'Missing Authentication Token: sign the request with AWS credentials (any will do locally).',
          403,
        );
      request = { ...request, region: scope.region };
      plugin = this.plugins.get(scope.service);
      if (!plugin) {
        this.emit({ type: 'unknown-operation', service: scope.service, operation: `${req.method} ${url.pathname}` });
        throw unknownOperation(
          { name: scope.service, protocol: protocolOf(request) },
          `(no ${scope.service} service here: it implements ${this.services().join(', ')})`,
        );
      }
      // Query-string (presigned) credentials are a link anyone can embed: they may only read, never Action=CreateRole.
      if (scope.presigned && (!READ_METHODS.has(request.method) || plugin.protocol === 'query'))
        throw new ServiceError(
          'AccessDenied',
          'Credentials in the query string (a presigned URL) may only read: sign the request with an Authorization header.',
          403,
        );
      const { operation, input } = decodeRequest(plugin, request);
      const run = plugin.operations[operation];
      if (!run) {
        this.emit({ type: 'unknown-operation', service: plugin.name, operation });
        throw unknownOperation(plugin, operation);
      }
      if (this.options.enforceIam) this.authorize(plugin, operation, input);
      const fault = this.faults.match(plugin.name, operation);
      if (fault) await this.faults.apply(fault);
      const output = await run(input);
      sendResult(plugin, operation, output, res);
    } catch (error) {
      const e =
        error instanceof ServiceError
          ? error
          : new ServiceError(
              plugin?.name === 'secretsmanager' ? 'InternalServiceError' : 'ServiceException',
              `local cloud error: ${(error as Error)?.message ?? error}`,
              500,
              'Receiver',
            );
      if (e.status >= 500 && !(error instanceof ServiceError))
        this.emit({ type: 'log', level: 'warn', message: `${plugin?.name ?? 'local cloud'}: ${e.message}` });
      sendError(
        plugin?.protocol ?? protocolOf(request),
        plugin?.protocol === 'json' ? undefined : plugin?.target,
        e,
        res,
        plugin?.xmlErrors,
      );
    }
  }

  /** IAM evaluation mode: the caller's role must allow every action the call takes (AWS's error code and words per service). */
  private authorize(plugin: ServicePlugin, operation: string, input: OperationInput): void {
    const key = accessKeyOf(input);
    if (key === LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID) return;
    const session = this.iam.facade.session(key ?? '');
    if (
      !session ||
      session.sessionToken !==
        (input.$request.headers['x-amz-security-token'] ?? input.$request.query.get('X-Amz-Security-Token'))
    ) {
      const json = plugin.protocol === 'json' || plugin.protocol === 'rest-json';
      throw new ServiceError(
        json ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        plugin.protocol === 'json' ? 400 : 403,
      );
    }
    if (plugin.name === 'sts' && operation === 'GetCallerIdentity') return; // allowed to everyone, as on AWS
    const statements = this.iam.facade.identityStatements(session.roleArn);
    for (const { action, resource } of requirementsOf(plugin, operation, input)) {
      const decision = evaluate(statements, action, resource);
      if (decision === 'allow') continue;
      const why =
        decision === 'explicit-deny'
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${action} action`;
      const message = `User: ${session.assumedRoleArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
      this.emit({ type: 'log', level: 'warn', message: `IAM: ${message}` });
      const code =
        plugin.protocol === 'json' || plugin.protocol === 'rest-json' ? 'AccessDeniedException' : 'AccessDenied';
      throw new ServiceError(code, message, plugin.protocol === 'json' ? 400 : 403);
    }
  }

  private async handleLocal(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const json = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res
        .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
        .end(text);
    };
    if (url.pathname === '/_local/health')
      return json(200, {
        ok: true,
        services: this.services(),
        terraformEndpoints: this.terraformEndpoints(),
        pid: process.pid,
      });
    const route = this.localRoutes.get(url.pathname);
    if (route) return json(200, route());
    for (const handler of this.localHandlers) if (handler(req, res, url.pathname)) return;
    if (url.pathname === '/_local/faults') {
      if (!this.options.faultInjection)
        throw new ServiceError(
          'NotFound',
          'fault injection is off: start the local cloud with it (tests and benchmarks only)',
          404,
        );
      const body = await readBody(req);
      if (req.method === 'DELETE') this.faults.set([], this.services());
      else if (req.method === 'POST' || req.method === 'PUT')
        this.faults.set((JSON.parse(body.toString('utf8') || '{}') as { rules?: unknown }).rules, this.services());
      return json(200, { rules: this.faults.list(), hits: this.faults.hits.length });
    }
    if (url.pathname === '/_local/rotation') {
      // Not an AWS API: what AWS shows only in the rotation function's logs,
      // so that commands run with --local can say at once why a rotation failed.
      const id = url.searchParams.get('secretId') ?? '';
      const secret = this.secretsManager.state.secrets.find((s) => s.arn === id || s.name === id);
      return json(secret ? 200 : 404, secret?.rotation ?? {});
    }
    const code = /^\/_local\/code\/([^/]+)\/([^/]+)\/([^/]+)\.zip$/.exec(url.pathname);
    if (code) {
      const zip = this.lambda.zipFor(
        decodeURIComponent(code[1]!),
        decodeURIComponent(code[2]!),
        decodeURIComponent(code[3]!),
      );
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);
      return;
    }
    throw new ServiceError('NotFound', `no local resource at ${url.pathname}`, 404);
  }
}

function isSameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The service and region a SigV4 request was signed for, or undefined when it carries no AWS auth. */
const CROSS_SITE_FETCH = /^(?:cross-site|same-site)$/i;
const READ_METHODS = new Set(['GET', 'HEAD']);

export function credentialScope(
  req: IncomingMessage,
  url: URL,
): { region: string; service: string; presigned?: true } | undefined {
  const auth = req.headers.authorization;
  const match = auth ? /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth) : null;
  if (match) return { region: match[1]!, service: match[2]! };
  // SigV4A (AWS4-ECDSA-P256-SHA256): the scope names no region; the request says which it is for
  const v4a = auth ? /^AWS4-ECDSA-P256-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/aws4_request/.exec(auth) : null;
  if (v4a) {
    const set = String(req.headers['x-amz-region-set'] ?? '*')
      .split(',')[0]!
      .trim();
    return { region: set === '*' || set === '' ? 'us-east-1' : set, service: v4a[1]! };
  }
  const presigned = url.searchParams.get('X-Amz-Credential')?.split('/');
  if (presigned && presigned.length >= 4) return { region: presigned[2]!, service: presigned[3]!, presigned: true };
  return undefined;
}

async function readBody(req: IncomingMessage, limit = 70 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ServiceError('RequestEntityTooLargeException', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
