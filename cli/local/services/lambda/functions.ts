// Lambda's function lifecycle with AWS's semantics: uploaded zips unpacked
// and run as they are, Pending → Active after creation, LastUpdateStatus
// InProgress → Successful after each update (PublishVersion and further
// updates meanwhile fail with ResourceConflictException), versions published
// only when something changed.

import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { accountOf, type ServiceHost } from '../../host.js';
import { invalidParameter, ServiceError } from '../../plugin.js';
import { readZip, ZipError } from '../../zip-reader.js';
import {
  functionConfiguration,
  lambdaTime,
  sameVersion,
  type FunctionState,
  type FunctionVersionState,
  type LambdaState,
} from './model.js';

export const functionNotFound = (id: string) =>
  new ServiceError('ResourceNotFoundException', `Function not found: ${id}`, 404);
const conflict = (message: string) => new ServiceError('ResourceConflictException', message, 409);
const invalidValue = (message: string) => new ServiceError('InvalidParameterValueException', message, 400);

// Runtimes Lambda still lets you create functions with: nodejs20.x no longer can be (deprecated in
// 2026, and Lambda then blocks creating functions on it: the Lambda runtimes page lists the dates).
const CREATABLE_RUNTIMES = new Set(['nodejs22.x', 'nodejs24.x', 'python3.12', 'python3.13', 'provided.al2023']);
const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export interface FunctionSettings {
  description?: string;
  runtime?: string;
  handler?: string;
  role?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
  architectures?: string[];
}

export class Functions {
  readonly state: LambdaState;

  constructor(
    private readonly host: ServiceHost,
    /** how long a new function reads Pending and an update InProgress */
    private readonly updateMs: number,
    /** stops running instances of versions `keep` says no to */
    private readonly retire: (keep: (key: string) => boolean) => void,
  ) {
    this.state = host.store.slice<LambdaState>('lambda', () => ({ functions: [] }));
  }

  codeDir(fn: Pick<FunctionState, 'region' | 'name'>, version: string): string {
    return join(this.host.store.codeDir, fn.region, fn.name, version);
  }

  zipPath(fn: Pick<FunctionState, 'region' | 'name'>, version: string): string {
    return join(this.host.store.codeDir, fn.region, fn.name, `${version}.zip`);
  }

  /** Resolves a name, partial or full ARN (plus an optional qualifier) in `region`. */
  resolve(id: string, region: string, qualifier?: string): { fn: FunctionState; version: FunctionVersionState } {
    const arn = /^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):)?(?:\d{12}:function:)?([a-zA-Z0-9-_]+)(?::([$\w]+))?$/.exec(
      id,
    );
    if (!arn)
      throw invalidValue(
        `1 validation error detected: Value '${id}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`,
      );
    const inRegion = arn[1] ?? region;
    const name = arn[2]!;
    const q = qualifier ?? arn[3] ?? '$LATEST';
    const fn = this.state.functions.find((f) => f.name === name && f.region === inRegion);
    if (!fn) throw functionNotFound(`arn:aws:lambda:${inRegion}:${accountOf(this.host)}:function:${name}`);
    const version = q === '$LATEST' ? fn.latest : fn.versions.find((v) => v.version === q);
    if (!version) throw functionNotFound(`${fn.arn}:${q}`);
    return { fn, version };
  }

  configuration(fn: FunctionState, v: FunctionVersionState) {
    return functionConfiguration(fn, v, this.host.now());
  }

  /** Refuses changes while the function is being created or updated, as Lambda does. */
  assertIdle(fn: FunctionState): void {
    const now = this.host.now();
    if (fn.activeAt !== undefined && now < fn.activeAt) {
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: Pending`,
      );
    }
    if (fn.updatedAt !== undefined && now < fn.updatedAt) {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn.arn}`,
      );
    }
  }

  create(
    name: string,
    region: string,
    zip: Buffer,
    settings: FunctionSettings,
    options: { tags?: Record<string, string>; publish?: boolean; checkRole?: boolean } = {},
  ): FunctionState {
    if (!FUNCTION_NAME.test(name))
      throw invalidValue(
        `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`,
      );
    if (this.state.functions.some((f) => f.name === name && f.region === region)) {
      throw conflict(`Function already exist: ${name}`);
    }
    const account = accountOf(this.host);
    const role = settings.role ?? `arn:aws:iam::${account}:role/${name}-role`;
    if (options.checkRole !== false) this.checkRole(role);
    const runtime = settings.runtime ?? 'nodejs22.x';
    if (!CREATABLE_RUNTIMES.has(runtime)) {
      throw invalidValue(
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
      );
    }
    const now = this.host.now();
    const latest: FunctionVersionState = {
      version: '$LATEST',
      codeSha256: '',
      codeSize: 0,
      description: settings.description ?? '',
      runtime,
      handler: settings.handler ?? 'index.handler',
      role,
      timeout: validTimeout(settings.timeout ?? 3),
      memorySize: validMemory(settings.memorySize ?? 128),
      ...(settings.environment && Object.keys(settings.environment).length
        ? { environment: settings.environment }
        : {}),
      ...(settings.architectures ? { architectures: settings.architectures } : {}),
      lastModified: lambdaTime(now),
      revisionId: randomUUID(),
    };
    const fn: FunctionState = {
      name,
      region,
      arn: `arn:aws:lambda:${region}:${account}:function:${name}`,
      latest,
      versions: [],
      ...(options.tags && Object.keys(options.tags).length ? { tags: options.tags } : {}),
    };
    this.storeCode(fn, zip);
    fn.activeAt = now + this.updateMs;
    this.state.functions.push(fn);
    if (options.publish) this.publish(fn, undefined, { force: true });
    this.host.store.save();
    return fn;
  }

  updateCode(
    fn: FunctionState,
    zip: Buffer,
    options: { publish?: boolean; revisionId?: string } = {},
  ): FunctionVersionState {
    this.assertIdle(fn);
    this.assertRevision(fn, options.revisionId);
    this.storeCode(fn, zip);
    this.touch(fn);
    const published = options.publish ? this.publish(fn, undefined, { force: true }) : undefined;
    this.host.store.save();
    return published ?? fn.latest;
  }

  updateConfiguration(fn: FunctionState, settings: FunctionSettings & { revisionId?: string }): FunctionVersionState {
    this.assertIdle(fn);
    this.assertRevision(fn, settings.revisionId);
    const l = fn.latest;
    if (settings.description !== undefined) l.description = settings.description;
    if (settings.handler !== undefined) l.handler = settings.handler;
    if (settings.runtime !== undefined) l.runtime = settings.runtime;
    if (settings.role !== undefined) {
      this.checkRole(settings.role);
      l.role = settings.role;
    }
    if (settings.timeout !== undefined) l.timeout = validTimeout(settings.timeout);
    if (settings.memorySize !== undefined) l.memorySize = validMemory(settings.memorySize);
    if (settings.environment !== undefined) {
      if (Object.keys(settings.environment).length > 0) l.environment = settings.environment;
      else delete l.environment;
    }
    this.touch(fn);
    this.host.store.save();
    return l;
  }

  /** PublishVersion: a new version only when something changed since the last one (AWS's rule). */
  publish(
    fn: FunctionState,
    input: { description?: string; codeSha256?: string; revisionId?: string } = {},
    { force = false } = {},
  ): FunctionVersionState {
    if (!force) this.assertIdle(fn);
    if (input.codeSha256 !== undefined && input.codeSha256 !== fn.latest.codeSha256) {
      throw invalidParameter(
        `CodeSha256 (${input.codeSha256}) is different from current CodeSha256 in $LATEST (${fn.latest.codeSha256}). Please try again with the CodeSha256 in $LATEST.`,
      );
    }
    this.assertRevision(fn, input.revisionId);
    const last = fn.versions.at(-1);
    if (last && sameVersion(last, fn.latest)) return last;
    const number = String(fn.versions.reduce((n, v) => Math.max(n, Number(v.version)), 0) + 1);
    const published: FunctionVersionState = {
      ...structuredClone(fn.latest),
      version: number,
      description: input.description ?? fn.latest.description,
      sourceDescription: fn.latest.description,
      lastModified: lambdaTime(this.host.now()),
      revisionId: randomUUID(),
      // PublishVersion answers State Pending; the version turns Active a moment later
      activeAt: this.host.now() + this.updateMs,
    };
    cpSync(this.codeDir(fn, '$LATEST'), this.codeDir(fn, number), { recursive: true });
    cpSync(this.zipPath(fn, '$LATEST'), this.zipPath(fn, number));
    fn.versions.push(published);
    this.host.store.save();
    return published;
  }

  delete(fn: FunctionState, qualifier?: string): void {
    const inUse = this.host.services.cloudfront.associatedFunctionArns();
    const versions = qualifier ? fn.versions.filter((v) => v.version === qualifier) : fn.versions;
    const replicated = versions.find((v) => inUse.has(`${fn.arn}:${v.version}`));
    if (replicated) {
      throw invalidValue(
        `Lambda was unable to delete ${fn.arn}:${replicated.version} because it is a replicated function. Please see our documentation for Deleting Lambda@Edge Functions and Replicas.`,
      );
    }
    if (qualifier && qualifier !== '$LATEST') {
      if (!fn.versions.some((v) => v.version === qualifier)) throw functionNotFound(`${fn.arn}:${qualifier}`);
      fn.versions = fn.versions.filter((v) => v.version !== qualifier);
      rmSync(this.codeDir(fn, qualifier), { recursive: true, force: true });
      rmSync(this.zipPath(fn, qualifier), { force: true });
      this.retire((key) => key !== `${fn.arn}:${qualifier}`);
    } else {
      this.state.functions = this.state.functions.filter((f) => f !== fn);
      rmSync(join(this.host.store.codeDir, fn.region, fn.name), { recursive: true, force: true });
      this.retire((key) => !key.startsWith(`${fn.arn}:`));
    }
    this.host.store.save();
  }

  private touch(fn: FunctionState): void {
    fn.latest.lastModified = lambdaTime(this.host.now());
    fn.latest.revisionId = randomUUID();
    fn.updatedAt = this.host.now() + this.updateMs;
    // as in Lambda: a changed function means new execution environments
    this.retire((key) => key !== `${fn.arn}:$LATEST`);
  }

  private assertRevision(fn: FunctionState, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== fn.latest.revisionId) {
      throw new ServiceError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        412,
      );
    }
  }

  private checkRole(role: string): void {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
      throw invalidValue(
        `1 validation error detected: Value '${role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`,
      );
    }
    if (!this.host.services.iam.roleTrusts(role, 'lambda.amazonaws.com')) {
      throw invalidValue('The role defined for the function cannot be assumed by Lambda.');
    }
  }

  /** Unpacks the zip into $LATEST's directory (what runs is what was uploaded). */
  private storeCode(fn: FunctionState, zip: Buffer): void {
    let entries: ReturnType<typeof readZip>;
    try {
      entries = readZip(zip);
    } catch (error) {
      if (error instanceof ZipError)
        throw invalidValue(
          `Could not unzip uploaded file. Please check your file, then try to upload again. (${error.message})`,
        );
      throw error;
    }
    const dir = this.codeDir(fn, '$LATEST');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const entry of entries) {
      if (entry.name.endsWith('/')) continue;
      const target = normalize(join(dir, entry.name));
      if (!target.startsWith(dir + sep))
        throw invalidValue(`Could not unzip uploaded file: the entry ${entry.name} leaves the package.`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, entry.data);
    }
    writeFileSync(this.zipPath(fn, '$LATEST'), zip);
    fn.latest.codeSha256 = createHash('sha256').update(zip).digest('base64');
    fn.latest.codeSize = zip.length;
  }

  zipOf(fn: FunctionState, version: string): Buffer {
    return readFileSync(this.zipPath(fn, version));
  }
}

function validTimeout(t: number): number {
  if (!Number.isInteger(t) || t < 1 || t > 900)
    throw invalidValue(
      "1 validation error detected: Value at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900",
    );
  return t;
}

function validMemory(m: number): number {
  if (!Number.isInteger(m) || m < 128 || m > 10240)
    throw invalidValue(
      "1 validation error detected: Value at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240",
    );
  return m;
}
