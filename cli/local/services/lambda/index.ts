// Lambda over REST-JSON: function CRUD, versions, permissions, tags and
// Invoke. Functions run as the code that was uploaded, in worker threads
// (runtime.ts), one fresh module per instance so new versions cold-start.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EDGE_REGIONS } from '../../../../handlers/edge-auth/regions.js';
import { accountOf, type ServiceHost } from '../../host.js';
import {
  definePlugin,
  invalidParameter,
  ServiceError,
  type OperationInput,
  type RestOutput,
  type ServicePlugin,
} from '../../plugin.js';
import type { InvokeMeta, LambdaFacade } from '../../services.js';
import { Functions, functionNotFound, type FunctionSettings } from './functions.js';
import { isPendingVersion, type FunctionState, type LambdaState } from './model.js';
import { addPermission, allows, policyDocument, removePermission, type PermissionInput } from './permissions.js';
import { FunctionError, LambdaRuntime, type InstanceSpec } from './runtime.js';

export { FunctionError };

export interface LambdaOptions {
  instances: number;
  /** how long a new function reads Pending and an update InProgress (ms) */
  updateMs: number;
  packageNodeModules: string;
  onLog: (label: string, line: string, spec: InstanceSpec) => void;
  /** the environment every function gets besides its own (endpoints, credentials) */
  /** what every function sees besides its own variables; `role` is the version's execution role */
  baseEnv: (region: string, role: string | undefined) => Record<string, string>;
}

const F = '/2015-03-31/functions';
const ok = (body: unknown, status = 200): RestOutput => ({ status, body });
const noContent: RestOutput = { status: 204 };

/** Library callers (dev, tests) put a function as a deploy would: created or updated, then waited for. */
export interface FunctionSpec extends FunctionSettings {
  name: string;
  zip: Buffer;
  region?: string;
}

export class LambdaService {
  readonly runtime: LambdaRuntime;
  readonly functions: Functions;
  readonly plugin: ServicePlugin;

  constructor(
    private readonly host: ServiceHost,
    private readonly options: LambdaOptions,
  ) {
    this.runtime = new LambdaRuntime({
      instances: options.instances,
      onLog: options.onLog,
      packageNodeModules: options.packageNodeModules,
      rootDir: host.store.codeDir,
    });
    this.functions = new Functions(host, options.updateMs, (keep) => void this.runtime.retire(keep));
    this.plugin = this.definePlugin();
  }

  // ---- library API ----------------------------------------------------------

  /** Creates the function or replaces $LATEST's code and settings; waits until it is usable. Returns whether anything changed. */
  async putFunction(spec: FunctionSpec): Promise<{ fn: FunctionState; changed: boolean }> {
    const region = spec.region ?? this.host.store.state.region;
    const existing = this.functions.state.functions.find((f) => f.name === spec.name && f.region === region);
    let changed = true;
    let fn: FunctionState;
    if (!existing) {
      fn = this.functions.create(spec.name, region, spec.zip, spec, { checkRole: false });
    } else {
      fn = existing;
      await this.idle(fn);
      const before = JSON.stringify(fn.latest);
      const sha = (await import('node:crypto')).createHash('sha256').update(spec.zip).digest('base64');
      if (sha !== fn.latest.codeSha256) this.functions.updateCode(fn, spec.zip);
      await this.idle(fn);
      const settings = { ...spec, environment: spec.environment ?? {} };
      if (differs(fn, settings)) this.functions.updateConfiguration(fn, settings);
      changed = JSON.stringify(fn.latest) !== before;
    }
    await this.idle(fn);
    return { fn, changed };
  }

  /** Changes $LATEST's settings as UpdateFunctionConfiguration does (library callers). */
  updateFunction(name: string, settings: FunctionSettings, region = this.host.store.state.region): FunctionState {
    const { fn } = this.functions.resolve(name, region);
    this.functions.updateConfiguration(fn, settings);
    return fn;
  }

  /** Resolves once a function is neither Pending nor updating. */
  async idle(fn: FunctionState): Promise<void> {
    const until = Math.max(fn.activeAt ?? 0, fn.updatedAt ?? 0);
    const wait = until - this.host.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
  }

  /**
   * Runs a function version; a function error rejects with FunctionError. `atEdge`: as Lambda@Edge runs a
   * replica, each instance in a region of its own (EDGE_REGIONS in order), logging there to
   * /aws/lambda/us-east-1.<name>; otherwise in the function's region, to /aws/lambda/<name>.
   */
  invoke(
    id: string,
    event: unknown,
    region = this.host.store.state.region,
    qualifier?: string,
    meta?: InvokeMeta,
    atEdge = false,
  ): Promise<unknown> {
    const { fn, version } = this.functions.resolve(id, region, qualifier);
    if (fn.activeAt !== undefined && this.host.now() < fn.activeAt && version.version === '$LATEST') {
      return Promise.reject(
        new ServiceError(
          'ResourceConflictException',
          'The operation cannot be performed at this time. The function is currently in the following state: Pending',
          409,
        ),
      );
    }
    return this.runtime.invoke(
      `${fn.arn}:${version.version}`,
      (index) => {
        const runsIn = atEdge ? (EDGE_REGIONS[index % EDGE_REGIONS.length] as string) : fn.region;
        return {
          functionName: fn.name,
          version: version.version,
          codeDir: this.functions.codeDir(fn, version.version),
          handler: version.handler,
          timeoutSeconds: version.timeout,
          log: {
            region: runsIn,
            group: atEdge ? `/aws/lambda/${fn.region}.${fn.name}` : `/aws/lambda/${fn.name}`,
            stream: `${new Date(this.host.now()).toISOString().slice(0, 10).replace(/-/g, '/')}/[${version.version}]${randomBytes(16).toString('hex')}`,
          },
          env: {
            ...version.environment,
            ...this.options.baseEnv(runsIn, version.role),
            AWS_LAMBDA_FUNCTION_NAME: fn.name,
            AWS_LAMBDA_FUNCTION_VERSION: version.version,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(version.memorySize),
            AWS_LAMBDA_LOG_GROUP_NAME: atEdge ? `/aws/lambda/${fn.region}.${fn.name}` : `/aws/lambda/${fn.name}`,
            AWS_EXECUTION_ENV: `AWS_Lambda_${version.runtime}`,
          },
        };
      },
      event,
      undefined,
      meta,
    );
  }

  readonly facade: LambdaFacade = {
    invoke: (arn, event, meta) =>
      this.invoke(arn, event, regionOfArn(arn) ?? this.host.store.state.region, undefined, meta),
    invokeAtEdge: (arn, event, meta) =>
      this.invoke(arn, event, regionOfArn(arn) ?? this.host.store.state.region, undefined, meta, true),
    version: (arn) => {
      try {
        const { fn, version } = this.functions.resolve(arn, regionOfArn(arn) ?? this.host.store.state.region);
        return {
          name: fn.name,
          region: fn.region,
          version: version.version,
          environment: version.environment,
          timeout: version.timeout,
          memorySize: version.memorySize,
          runtime: version.runtime,
          state: isPendingVersion(version, this.host.now()) ? 'Pending' : 'Active',
        };
      } catch {
        return undefined;
      }
    },
    allowsInvoke: (arn, principal, sourceArn) => {
      try {
        return allows(
          this.functions.resolve(arn, regionOfArn(arn) ?? this.host.store.state.region).fn,
          principal,
          sourceArn,
        );
      } catch {
        return false;
      }
    },
  };

  // ---- wire API ---------------------------------------------------------------

  private definePlugin(): ServicePlugin {
    const fns = this.functions;
    const resolve = (i: OperationInput, qualifier?: string | null) =>
      fns.resolve(String(i.FunctionName), i.$request.region, qualifier ?? undefined);
    const q = (i: OperationInput) => i.$request.query.get('Qualifier');
    return definePlugin({
      name: 'lambda',
      terraformEndpoint: 'lambda',
      protocol: 'rest-json',
      resourceOf: (_operation, i) => {
        if (i.FunctionName === undefined) return '*';
        const { fn } = fns.resolve(String(i.FunctionName), i.$request.region);
        const qualifier = i.Qualifier ?? /:(\d+|\$LATEST)$/.exec(String(i.FunctionName))?.[1];
        return qualifier && qualifier !== '$LATEST' ? `${fn.arn}:${qualifier}` : fn.arn;
      },
      routes: [
        { method: 'GET', path: `${F}/`, operation: 'ListFunctions' },
        { method: 'POST', path: `${F}`, operation: 'CreateFunction' },
        { method: 'GET', path: `${F}/{FunctionName}`, operation: 'GetFunction' },
        { method: 'DELETE', path: `${F}/{FunctionName}`, operation: 'DeleteFunction' },
        { method: 'GET', path: `${F}/{FunctionName}/configuration`, operation: 'GetFunctionConfiguration' },
        { method: 'PUT', path: `${F}/{FunctionName}/configuration`, operation: 'UpdateFunctionConfiguration' },
        { method: 'PUT', path: `${F}/{FunctionName}/code`, operation: 'UpdateFunctionCode' },
        { method: 'POST', path: `${F}/{FunctionName}/versions`, operation: 'PublishVersion' },
        { method: 'GET', path: `${F}/{FunctionName}/versions`, operation: 'ListVersionsByFunction' },
        { method: 'POST', path: `${F}/{FunctionName}/invocations`, operation: 'Invoke' },
        { method: 'POST', path: `${F}/{FunctionName}/policy`, operation: 'AddPermission' },
        { method: 'GET', path: `${F}/{FunctionName}/policy`, operation: 'GetPolicy' },
        { method: 'DELETE', path: `${F}/{FunctionName}/policy/{StatementId}`, operation: 'RemovePermission' },
        {
          method: 'GET',
          path: '/2020-06-30/functions/{FunctionName}/code-signing-config',
          operation: 'GetFunctionCodeSigningConfig',
        },
        { method: 'GET', path: '/2017-03-31/tags/{Resource}', operation: 'ListTags' },
        { method: 'POST', path: '/2017-03-31/tags/{Resource}', operation: 'TagResource' },
        { method: 'DELETE', path: '/2017-03-31/tags/{Resource}', operation: 'UntagResource' },
      ],
      operations: {
        ListFunctions: (i) =>
          ok({
            Functions: fns.state.functions
              .filter((f) => f.region === i.$request.region)
              .map((f) => fns.configuration(f, f.latest)),
          }),
        CreateFunction: (i) => {
          const code = i.Code as { ZipFile?: string; S3Bucket?: string } | undefined;
          if (!code?.ZipFile)
            throw invalidParameter(
              code?.S3Bucket
                ? 'The basicauth local cloud takes function code as ZipFile only (no S3).'
                : 'Code.ZipFile is required.',
            );
          const fn = fns.create(
            String(i.FunctionName ?? ''),
            i.$request.region,
            Buffer.from(code.ZipFile, 'base64'),
            settingsOf(i),
            {
              tags: i.Tags as Record<string, string> | undefined,
              publish: i.Publish === true,
            },
          );
          return ok(fns.configuration(fn, i.Publish === true ? fn.versions.at(-1)! : fn.latest), 201);
        },
        GetFunction: (i) => {
          const { fn, version } = resolve(i, q(i));
          return ok({
            Configuration: fns.configuration(fn, version),
            Code: {
              RepositoryType: 'S3',
              Location: `${this.host.endpoint()}/_local/code/${encodeURIComponent(fn.region)}/${encodeURIComponent(fn.name)}/${encodeURIComponent(version.version)}.zip`,
            },
            ...(fn.tags && Object.keys(fn.tags).length ? { Tags: fn.tags } : {}),
          });
        },
        DeleteFunction: (i) => {
          fns.delete(resolve(i).fn, q(i) ?? undefined);
          return noContent;
        },
        GetFunctionConfiguration: (i) => {
          const { fn, version } = resolve(i, q(i));
          return ok(fns.configuration(fn, version));
        },
        UpdateFunctionConfiguration: (i) => {
          const { fn } = resolve(i);
          return ok(
            fns.configuration(
              fn,
              fns.updateConfiguration(fn, {
                ...settingsOf(i),
                ...(typeof i.RevisionId === 'string' ? { revisionId: i.RevisionId } : {}),
              }),
            ),
          );
        },
        UpdateFunctionCode: (i) => {
          const { fn } = resolve(i);
          if (typeof i.ZipFile !== 'string')
            throw invalidParameter('ZipFile is required (the basicauth local cloud takes no S3 code).');
          const v = fns.updateCode(fn, Buffer.from(i.ZipFile, 'base64'), {
            publish: i.Publish === true,
            ...(typeof i.RevisionId === 'string' ? { revisionId: i.RevisionId } : {}),
          });
          return ok(fns.configuration(fn, v));
        },
        PublishVersion: (i) => {
          const { fn } = resolve(i);
          const v = fns.publish(fn, {
            ...(typeof i.Description === 'string' ? { description: i.Description } : {}),
            ...(typeof i.CodeSha256 === 'string' ? { codeSha256: i.CodeSha256 } : {}),
            ...(typeof i.RevisionId === 'string' ? { revisionId: i.RevisionId } : {}),
          });
          return ok(fns.configuration(fn, v), 201);
        },
        ListVersionsByFunction: (i) => {
          const { fn } = resolve(i);
          const all = [fn.latest, ...fn.versions];
          const start = Number(i.$request.query.get('Marker') ?? 0);
          const max = Number(i.$request.query.get('MaxItems') ?? 50);
          const page = all.slice(start, start + max);
          return ok({
            Versions: page.map((v) => fns.configuration(fn, v)),
            ...(start + max < all.length ? { NextMarker: String(start + max) } : {}),
          });
        },
        Invoke: async (i) => {
          const { fn, version } = resolve(i, q(i));
          let event: unknown;
          try {
            event = i.$request.body.length ? JSON.parse(i.$request.body.toString('utf8')) : {};
          } catch {
            throw new ServiceError(
              'InvalidRequestContentException',
              'Could not parse request body into json: Could not parse payload into json',
              400,
            );
          }
          const type = String(i.$request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
          const headers = { 'x-amz-executed-version': version.version };
          if (type === 'DryRun') return { status: 204, headers };
          const run = this.invoke(fn.arn, event, fn.region, version.version);
          if (type === 'Event') {
            run.catch(() => undefined);
            return { status: 202, headers };
          }
          try {
            const result = await run;
            return { status: 200, headers, raw: result === undefined ? 'null' : JSON.stringify(result) };
          } catch (error) {
            if (error instanceof FunctionError) {
              return {
                status: 200,
                headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
                raw: JSON.stringify({ errorType: error.errorType, errorMessage: error.message }),
              };
            }
            throw error;
          }
        },
        AddPermission: (i) => {
          const { fn } = resolve(i, q(i) ?? (i.Qualifier as string | undefined));
          const statement = addPermission(fn, i as PermissionInput);
          this.host.store.save();
          return ok({ Statement: JSON.stringify(statement) }, 201);
        },
        GetPolicy: (i) => {
          const { fn } = resolve(i, q(i));
          return ok({ Policy: policyDocument(fn), RevisionId: fn.latest.revisionId });
        },
        RemovePermission: (i) => {
          removePermission(resolve(i, q(i)).fn, String(i.StatementId));
          this.host.store.save();
          return noContent;
        },
        GetFunctionCodeSigningConfig: (i) => {
          const { fn } = resolve(i);
          return ok({ FunctionName: fn.name, CodeSigningConfigArn: '' });
        },
        ListTags: (i) => ok({ Tags: this.byArn(i).tags ?? {} }),
        TagResource: (i) => {
          const fn = this.byArn(i);
          fn.tags = { ...fn.tags, ...(i.Tags as Record<string, string>) };
          this.host.store.save();
          return noContent;
        },
        UntagResource: (i) => {
          const fn = this.byArn(i);
          for (const key of i.$request.query.getAll('tagKeys')) delete fn.tags?.[key];
          this.host.store.save();
          return noContent;
        },
      },
    });
  }

  private byArn(i: OperationInput): FunctionState {
    const arn = String(i.Resource);
    const fn = this.functions.state.functions.find((f) => f.arn === arn);
    if (!fn) throw functionNotFound(arn);
    return fn;
  }

  zipFor(region: string, name: string, version: string): Buffer {
    const { fn } = this.functions.resolve(
      `arn:aws:lambda:${region}:${accountOf(this.host)}:function:${name}`,
      region,
      version,
    );
    return this.functions.zipOf(fn, version);
  }

  codeRoot(): string {
    return join(this.host.store.codeDir);
  }
}

function settingsOf(i: OperationInput): FunctionSettings {
  const env = i.Environment as { Variables?: Record<string, string> } | undefined;
  return {
    ...(typeof i.Description === 'string' ? { description: i.Description } : {}),
    ...(typeof i.Runtime === 'string' ? { runtime: i.Runtime } : {}),
    ...(typeof i.Handler === 'string' ? { handler: i.Handler } : {}),
    ...(typeof i.Role === 'string' ? { role: i.Role } : {}),
    ...(typeof i.Timeout === 'number' ? { timeout: i.Timeout } : {}),
    ...(typeof i.MemorySize === 'number' ? { memorySize: i.MemorySize } : {}),
    ...(env ? { environment: env.Variables ?? {} } : {}),
    ...(Array.isArray(i.Architectures) ? { architectures: i.Architectures as string[] } : {}),
  };
}

function differs(fn: FunctionState, s: FunctionSettings): boolean {
  const l = fn.latest;
  return (
    (s.description !== undefined && s.description !== l.description) ||
    (s.handler !== undefined && s.handler !== l.handler) ||
    (s.runtime !== undefined && s.runtime !== l.runtime) ||
    (s.role !== undefined && s.role !== l.role) ||
    (s.timeout !== undefined && s.timeout !== l.timeout) ||
    (s.memorySize !== undefined && s.memorySize !== l.memorySize) ||
    (s.environment !== undefined && JSON.stringify(s.environment) !== JSON.stringify(l.environment ?? {}))
  );
}

export const regionOfArn = (arn: string): string | undefined =>
  /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1] || undefined;

export type { FunctionState, LambdaState };
