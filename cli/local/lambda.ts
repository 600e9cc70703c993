// Lambda over REST-JSON (2015-03-31): the read and publish operations basicauth
// uses, plus Invoke. Functions are the real handler bundles, run by LambdaRuntime.

import { randomUUID, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaRuntime, FunctionError } from './lambda-runtime.js';
import { invalidParameter, ServiceError } from './protocol.js';
import type { FunctionState, FunctionVersionState, StateStore } from './state.js';

export interface FunctionSpec {
  name: string;
  code: Buffer;
  zip: Buffer;
  handler?: string;
  runtime?: string;
  role?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
}

const functionNotFound = (id: string) => new ServiceError('ResourceNotFoundException', `Function not found: ${id}`, 404);

const lambdaTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export class Lambda {
  constructor(
    private readonly store: StateStore,
    readonly runtime: LambdaRuntime,
    private readonly codeUrl: (name: string, version: string) => string,
    /** environment every function gets on top of its own (endpoints, credentials, region) */
    private readonly baseEnv: () => Record<string, string>,
  ) {}

  // ---- library API (what `dev` uses to register its functions) -------------

  /** Creates the function or replaces the code and settings of $LATEST; returns whether anything changed. */
  putFunction(spec: FunctionSpec): { fn: FunctionState; changed: boolean } {
    const state = this.store.state;
    const codeSha256 = createHash('sha256').update(spec.zip).digest('base64');
    let fn = state.functions.find((f) => f.name === spec.name);
    const settings = {
      description: spec.description ?? fn?.latest.description ?? '',
      runtime: spec.runtime ?? 'nodejs22.x',
      handler: spec.handler ?? 'index.handler',
      role: spec.role ?? `arn:aws:iam::${state.accountId}:role/${spec.name}-role`,
      timeout: spec.timeout ?? 3,
      memorySize: spec.memorySize ?? 128,
      ...(spec.environment ? { environment: spec.environment } : {}),
    };
    const latest: FunctionVersionState = {
      version: '$LATEST',
      codeSha256,
      codeSize: spec.zip.length,
      ...settings,
      lastModified: lambdaTime(Date.now()),
      revisionId: randomUUID(),
    };
    if (fn && sameVersion(fn.latest, latest)) return { fn, changed: false };
    this.saveCode(spec.name, '$LATEST', spec.code, spec.zip);
    void this.runtime.retire((name, version) => name !== spec.name || version !== '$LATEST');
    if (fn) fn.latest = latest;
    else {
      fn = { name: spec.name, arn: `arn:aws:lambda:${state.region}:${state.accountId}:function:${spec.name}`, latest, versions: [] };
      state.functions.push(fn);
    }
    this.store.save();
    return { fn, changed: true };
  }

  private saveCode(name: string, version: string, code: Buffer, zip: Buffer): void {
    const dir = join(this.store.codeDir, name, version);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.mjs'), code);
    writeFileSync(join(this.store.codeDir, name, `${version}.zip`), zip);
  }

  zipOf(name: string, version: string): Buffer {
    return readFileSync(join(this.store.codeDir, name, `${version}.zip`));
  }

  /** Resolves a name, ARN or qualified ARN (plus an optional Qualifier) to a function and version. */
  resolve(id: string, qualifier?: string): { fn: FunctionState; version: FunctionVersionState } {
    const arn = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::([^:]+))?$/.exec(id);
    const name = arn ? arn[1]! : id.split(':')[0]!;
    const q = qualifier ?? (arn ? arn[2] : id.split(':')[1]) ?? '$LATEST';
    const fn = this.store.state.functions.find((f) => f.name === name);
    if (!fn) throw functionNotFound(arn ? id : `arn:aws:lambda:${this.store.state.region}:${this.store.state.accountId}:function:${name}`);
    const version = q === '$LATEST' ? fn.latest : fn.versions.find((v) => v.version === q);
    if (!version) throw functionNotFound(`${fn.arn}:${q}`);
    return { fn, version };
  }

  /** Runs a function version; a function error rejects with FunctionError. */
  invoke(id: string, event: unknown, options: { qualifier?: string; instances?: number } = {}): Promise<unknown> {
    const { fn, version } = this.resolve(id, options.qualifier);
    return this.runtime.invoke(
      fn.name,
      version.version,
      () => ({
        functionName: fn.name,
        version: version.version,
        codeDir: join(this.store.codeDir, fn.name, version.version),
        handler: version.handler,
        timeoutSeconds: version.timeout,
        env: {
          ...version.environment,
          ...this.baseEnv(),
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_VERSION: version.version,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(version.memorySize),
          AWS_EXECUTION_ENV: `AWS_Lambda_${version.runtime}`,
        },
      }),
      event,
      options.instances,
    );
  }

  // ---- wire API ------------------------------------------------------------

  configuration(fn: FunctionState, v: FunctionVersionState) {
    return {
      FunctionName: fn.name,
      FunctionArn: v.version === '$LATEST' ? fn.arn : `${fn.arn}:${v.version}`,
      Runtime: v.runtime,
      Role: v.role,
      Handler: v.handler,
      CodeSize: v.codeSize,
      Description: v.description,
      Timeout: v.timeout,
      MemorySize: v.memorySize,
      LastModified: v.lastModified,
      CodeSha256: v.codeSha256,
      Version: v.version,
      ...(v.environment ? { Environment: { Variables: v.environment } } : {}),
      RevisionId: v.revisionId,
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    };
  }

  getFunction(id: string, qualifier?: string) {
    const { fn, version } = this.resolve(id, qualifier);
    return { Configuration: this.configuration(fn, version), Code: { RepositoryType: 'S3', Location: this.codeUrl(fn.name, version.version) }, Tags: {} };
  }

  getFunctionConfiguration(id: string, qualifier?: string) {
    const { fn, version } = this.resolve(id, qualifier);
    return this.configuration(fn, version);
  }

  updateFunctionConfiguration(id: string, input: Record<string, unknown>) {
    const { fn, version } = this.resolve(id);
    if (version !== fn.latest) throw invalidParameter('Only $LATEST can be updated.');
    if (typeof input.RevisionId === 'string' && input.RevisionId !== fn.latest.revisionId) {
      throw new ServiceError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id', 412);
    }
    const l = fn.latest;
    if (typeof input.Description === 'string') l.description = input.Description;
    if (typeof input.Handler === 'string') l.handler = input.Handler;
    if (typeof input.Runtime === 'string') l.runtime = input.Runtime;
    if (typeof input.Role === 'string') l.role = input.Role;
    if (typeof input.Timeout === 'number') {
      if (input.Timeout < 1 || input.Timeout > 900) throw invalidParameter('Timeout must be between 1 and 900 seconds.');
      l.timeout = input.Timeout;
    }
    if (typeof input.MemorySize === 'number') l.memorySize = input.MemorySize;
    const env = input.Environment as { Variables?: Record<string, string> } | undefined;
    if (env) {
      if (env.Variables && Object.keys(env.Variables).length > 0) l.environment = env.Variables;
      else delete l.environment;
    }
    l.lastModified = lambdaTime(Date.now());
    l.revisionId = randomUUID();
    this.store.save();
    // as in Lambda: a configuration change means new execution environments
    void this.runtime.retire((name, version) => name !== fn.name || version !== '$LATEST');
    return this.configuration(fn, l);
  }

  publishVersion(id: string, input: Record<string, unknown>) {
    const { fn } = this.resolve(id);
    if (typeof input.CodeSha256 === 'string' && input.CodeSha256 !== fn.latest.codeSha256) {
      throw invalidParameter(`CodeSha256 (${input.CodeSha256}) is different from current CodeSha256 in $LATEST (${fn.latest.codeSha256}). Please try again with the CodeSha256 in $LATEST.`);
    }
    if (typeof input.RevisionId === 'string' && input.RevisionId !== fn.latest.revisionId) {
      throw new ServiceError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id', 412);
    }
    const last = fn.versions.at(-1);
    // As in AWS: nothing changed since the last version, no new version. (The
    // description given here names the version; it is not a change.)
    if (last && sameVersion(last, fn.latest)) return this.configuration(fn, last);
    const number = String(fn.versions.reduce((n, v) => Math.max(n, Number(v.version)), 0) + 1);
    const published: FunctionVersionState = {
      ...structuredClone(fn.latest),
      version: number,
      description: typeof input.Description === 'string' ? input.Description : fn.latest.description,
      sourceDescription: fn.latest.description,
      lastModified: lambdaTime(Date.now()),
      revisionId: randomUUID(),
    };
    const dir = join(this.store.codeDir, fn.name);
    this.saveCode(fn.name, number, readFileSync(join(dir, '$LATEST', 'index.mjs')), readFileSync(join(dir, '$LATEST.zip')));
    fn.versions.push(published);
    this.store.save();
    return this.configuration(fn, published);
  }

  listVersionsByFunction(id: string, marker?: string, maxItems?: number) {
    const { fn } = this.resolve(id);
    const all = [fn.latest, ...fn.versions];
    const start = marker ? Number(marker) : 0;
    const max = maxItems ?? 50;
    const page = all.slice(start, start + max);
    return { Versions: page.map((v) => this.configuration(fn, v)), ...(start + max < all.length ? { NextMarker: String(start + max) } : {}) };
  }

  listFunctions() {
    return { Functions: this.store.state.functions.map((f) => this.configuration(f, f.latest)) };
  }

  async invokeWire(id: string, qualifier: string | undefined, payload: Buffer): Promise<{ status: number; body: string; functionError?: string }> {
    let event: unknown;
    try {
      event = payload.length ? JSON.parse(payload.toString('utf8')) : {};
    } catch {
      throw new ServiceError('InvalidRequestContentException', 'Could not parse request body into json', 400);
    }
    try {
      const result = await this.invoke(id, event, { qualifier: qualifier ?? undefined });
      return { status: 200, body: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (error) {
      if (error instanceof FunctionError) {
        return { status: 200, body: JSON.stringify({ errorType: error.errorType, errorMessage: error.message }), functionError: 'Unhandled' };
      }
      throw error;
    }
  }
}

function sameVersion(a: FunctionVersionState, b: FunctionVersionState): boolean {
  return (
    a.codeSha256 === b.codeSha256 &&
    (a.sourceDescription ?? a.description) === (b.sourceDescription ?? b.description) &&
    a.runtime === b.runtime &&
    a.handler === b.handler &&
    a.role === b.role &&
    a.timeout === b.timeout &&
    a.memorySize === b.memorySize &&
    JSON.stringify(a.environment ?? {}) === JSON.stringify(b.environment ?? {})
  );
}
