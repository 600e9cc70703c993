// Runs CloudFront Functions code the way the cloudfront-js-2.0 runtime does,
// as far as this machine can tell: code at most 10 KB; `import` (or
// `require`) of `cloudfront` (KeyValueStore reads of the one associated
// store) and `crypto` (createHash/createHmac) and nothing else; no network, no timers, no
// process, no eval or Function constructor; a fresh global scope per request
// (nothing carries over between requests); a compute budget per request, the
// handler's awaits included; the event and result shapes checked. Code that
// breaks there breaks here. Not enforced: the 2 MB memory limit and the exact
// language subset (the build checks the syntax, stacks/function-bundle.ts).

import { createHash, createHmac } from 'node:crypto';
import vm from 'node:vm';

import { FUNCTION_CODE_LIMIT } from '../../handlers/cloudfront-function/limits.js';

export { FUNCTION_CODE_LIMIT };
/**
 * Local compute budget for one request, in CPU time of this process: it stops a
 * runaway loop without failing a sound function on a busy machine, where wall
 * time stretches while CPU time does not. The hard stop (wall time, the only
 * clock node:vm can interrupt on) is WALL_FACTOR times the budget. CloudFront's
 * budget is about 1 ms of compute on its hardware: past SLOW_MS the request is
 * logged as one CloudFront would likely refuse.
 */
export const DEFAULT_BUDGET_MS = 200;
const WALL_FACTOR = 10;
export const SLOW_MS = 10;
const LOG_LIMIT = 10 * 1024;
const HASHES = ['md5', 'sha1', 'sha256'];

export type FunctionErrorCode =
  | 'FunctionSizeLimitExceeded'
  | 'FunctionValidationError'
  | 'FunctionExecutionError'
  | 'FunctionBudgetExceeded';

export class CloudFrontFunctionError extends Error {
  constructor(
    readonly code: FunctionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The KeyValueStore the function is associated with, as the function reads it. */
export interface FunctionStore {
  id: string;
  get(key: string): string | undefined;
  meta(): { creationDateTime: string; lastUpdatedDateTime: string; keyCount: number };
}

export interface FunctionRun {
  result: Record<string, unknown>;
  /** CPU time of the request inside the runtime, ms */
  computeMs: number;
  logs: string[];
}

const IMPORT = /^\s*import\s+([A-Za-z_$][\w$]*)\s+from\s*(['"])([^'"]+)\2\s*;?/;

/** Moves `import x from 'cloudfront' | 'crypto'` lines (at the top, as the runtime wants them) into variables; anything else is refused. */
function moduleBindings(code: string): { body: string; bindings: Array<[string, string]> } {
  const bindings: Array<[string, string]> = [];
  let body = code;
  for (let match = IMPORT.exec(body); match; match = IMPORT.exec(body)) {
    const [line, name, , module] = match as unknown as [string, string, string, string];
    if (module !== 'cloudfront' && module !== 'crypto') {
      throw new CloudFrontFunctionError(
        'FunctionValidationError',
        `the module "${module}" is not available in cloudfront-js-2.0 (only "cloudfront" and "crypto")`,
      );
    }
    bindings.push([name, module]);
    body = body.slice(line.length);
  }
  if (/(^|[;\n}])\s*(import|export)\b[\s{*'"]/.test(body)) {
    throw new CloudFrontFunctionError(
      'FunctionValidationError',
      'the function may import only "cloudfront" and "crypto", at its top, and exports nothing: the runtime calls its top-level `handler`',
    );
  }
  return { body, bindings };
}

// Built in the function's own realm, so that the promises it awaits are its own.
const CLOUDFRONT_MODULE = `(function (store) {
  return { kvs: function (id) {
    if (!store) throw new Error('no key value store is associated with this function');
    if (id !== undefined && id !== store.id) throw new Error('the key value store ' + id + ' is not associated with this function');
    return {
      get: function (key, options) {
        var value = store.get(String(key));
        if (value === undefined) return Promise.reject(new Error('KeyNotFound: the key ' + key + ' does not exist'));
        var format = options && options.format;
        if (format === 'json') { try { return Promise.resolve(JSON.parse(value)); } catch (e) { return Promise.reject(e); } }
        if (format === 'bytes') return Promise.resolve(store.bytes(value));
        return Promise.resolve(value);
      },
      exists: function (key) { return Promise.resolve(store.get(String(key)) !== undefined); },
      meta: function () { return Promise.resolve(JSON.parse(store.meta())); }
    };
  } };
})`;

function cryptoModule() {
  const check = (algorithm: unknown) => {
    if (typeof algorithm !== 'string' || !HASHES.includes(algorithm))
      throw new Error(`Digest method not supported: ${String(algorithm)} (md5, sha1, sha256)`);
    return algorithm;
  };
  const wrap = (h: ReturnType<typeof createHash>) => {
    const api = {
      update(data: unknown, encoding?: BufferEncoding) {
        h.update(typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.from(data as Uint8Array));
        return api;
      },
      digest(encoding?: 'hex' | 'base64' | 'base64url') {
        return encoding ? h.digest(encoding) : h.digest();
      },
    };
    return api;
  };
  return Object.freeze({
    createHash: (algorithm: unknown) => wrap(createHash(check(algorithm))),
    createHmac: (algorithm: unknown, key: unknown) =>
      wrap(createHmac(check(algorithm), typeof key === 'string' ? key : Buffer.from(key as Uint8Array)) as never),
  });
}

export interface RunnerOptions {
  budgetMs?: number;
}

export class CloudFrontFunction {
  private readonly script: vm.Script;
  private readonly bindings: Array<[string, string]>;
  private readonly budgetMs: number;

  constructor(
    readonly code: string,
    private readonly store: FunctionStore | undefined,
    options: RunnerOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    const size = Buffer.byteLength(code);
    if (size > FUNCTION_CODE_LIMIT)
      throw new CloudFrontFunctionError(
        'FunctionSizeLimitExceeded',
        `the function is ${size} bytes; CloudFront allows ${FUNCTION_CODE_LIMIT}`,
      );
    const { body, bindings } = moduleBindings(code);
    this.bindings = bindings;
    const prologue = bindings.map(([name, module]) => `var ${name} = __modules[${JSON.stringify(module)}];`).join('');
    try {
      this.script = new vm.Script(
        `${prologue}${body}\n;__entry = typeof handler === 'function' ? handler : undefined;`,
        { filename: 'cloudfront-function.js' },
      );
    } catch (error) {
      throw new CloudFrontFunctionError(
        'FunctionValidationError',
        `the function does not compile: ${(error as Error).message}`,
      );
    }
  }

  /** Runs one viewer event; the result is the request to forward or the response to send. */
  run(event: unknown): FunctionRun {
    // a fresh global scope per request: nothing carries over, as on CloudFront
    const { context, sandbox, logs } = this.scope();
    sandbox.__event = JSON.stringify(event);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const hardStop = this.budgetMs * WALL_FACTOR;
    const overBudget = () =>
      new CloudFrontFunctionError(
        'FunctionBudgetExceeded',
        `the function ran past its compute budget (${this.budgetMs} ms here)`,
      );
    try {
      this.script.runInContext(context, { timeout: hardStop });
      if (typeof sandbox.__entry !== 'function')
        throw new CloudFrontFunctionError(
          'FunctionValidationError',
          'the function has no top-level `function handler(event)`',
        );
      // Awaits inside the handler run as microtasks of this evaluation, under the same budget.
      vm.runInContext(
        `__done = undefined; Promise.resolve().then(function () { return __entry(JSON.parse(__event)); }).then(function (r) { __done = { ok: true, json: JSON.stringify(r) }; }, function (e) { __done = { ok: false, error: String(e && e.message || e) }; });`,
        context,
        { timeout: Math.max(1, Math.ceil(hardStop - (performance.now() - started))) },
      );
    } catch (error) {
      if (error instanceof CloudFrontFunctionError) throw error;
      const message = (error as Error).message ?? String(error);
      if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw overBudget();
      throw new CloudFrontFunctionError('FunctionExecutionError', `the function threw: ${message}`);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const computeMs = (cpu.user + cpu.system) / 1000;
    if (computeMs > this.budgetMs) throw overBudget();
    const done = sandbox.__done as { ok: boolean; json?: string; error?: string } | undefined;
    if (!done)
      throw new CloudFrontFunctionError(
        'FunctionExecutionError',
        'the function did not finish: it awaited something that never settles (the runtime has no timers and no network)',
      );
    if (!done.ok) throw new CloudFrontFunctionError('FunctionExecutionError', `the function threw: ${done.error}`);
    const result = done.json === undefined ? undefined : (JSON.parse(done.json) as unknown);
    return { result: checkResult(result), computeMs, logs };
  }

  /**
   * µs per decision of the function's own code: `count` calls in one scope, in
   * one evaluation (no crossing into the runtime per call). For benchmarks.
   */
  timeHandler(event: unknown, count: number): number {
    const { context, sandbox } = this.scope();
    sandbox.__event = JSON.stringify(event);
    this.script.runInContext(context, { timeout: 10_000 });
    vm.runInContext(
      `__elapsed = undefined; (async function () { var t = __now(); for (var i = 0; i < ${count}; i++) await __entry(JSON.parse(__event)); __elapsed = __now() - t; })();`,
      Object.assign(context, { __now: () => performance.now() }),
      { timeout: 60_000 },
    );
    if (typeof sandbox.__elapsed !== 'number') throw new Error('the function did not finish its benchmark loop');
    return (sandbox.__elapsed * 1000) / count;
  }

  /** A global scope with only what the runtime offers. */
  private scope(): { context: vm.Context; sandbox: Record<string, unknown>; logs: string[] } {
    const logs: string[] = [];
    let logged = 0;
    const log = (...args: unknown[]) => {
      const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      if (logged + line.length > LOG_LIMIT) return; // CloudFront truncates function logs at 10 KB
      logged += line.length;
      logs.push(line);
    };
    const sandbox: Record<string, unknown> = {
      console: Object.freeze({ log, info: log, warn: log, error: log }),
      Buffer,
      __modules: {},
      __event: '',
    };
    const context = vm.createContext(sandbox, {
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    const store = this.store;
    const storeApi = store && {
      id: store.id,
      get: (key: string) => store.get(key),
      bytes: (value: string) => Buffer.from(value, 'utf8'),
      meta: () => JSON.stringify(store.meta()),
    };
    const modules = sandbox.__modules as Record<string, unknown>;
    // made when first asked for, by an import or by require(), which the runtime also offers for these two
    const load = (name: string): unknown => {
      if (name !== 'cloudfront' && name !== 'crypto')
        throw new Error(`Cannot find module '${name}': cloudfront-js-2.0 offers only "cloudfront" and "crypto"`);
      if (!(name in modules))
        modules[name] =
          name === 'crypto'
            ? cryptoModule()
            : (vm.runInContext(CLOUDFRONT_MODULE, context) as (s: unknown) => unknown)(storeApi);
      return modules[name];
    };
    for (const [, module] of this.bindings) load(module);
    sandbox.require = (name: unknown) => load(String(name));
    return { context, sandbox, logs };
  }
}

/** The result must be the request (with a uri) or a response (with a statusCode); headers are { value } objects. */
function checkResult(result: unknown): Record<string, unknown> {
  const invalid = (why: string) =>
    new CloudFrontFunctionError('FunctionValidationError', `the function returned an invalid result: ${why}`);
  if (!result || typeof result !== 'object' || Array.isArray(result))
    throw invalid('expected the request or a response object');
  const r = result as Record<string, unknown>;
  const isResponse = 'statusCode' in r;
  if (isResponse) {
    const status = r.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
      throw invalid('statusCode must be a number from 100 to 599');
    const body = r.body;
    if (body !== undefined && typeof body !== 'string') {
      const b = body as { encoding?: unknown; data?: unknown };
      if (
        typeof b !== 'object' ||
        b === null ||
        (b.encoding !== 'text' && b.encoding !== 'base64') ||
        typeof b.data !== 'string'
      )
        throw invalid('body must be a string or { encoding: "text" | "base64", data }');
    }
  } else if (typeof r.uri !== 'string' || typeof r.method !== 'string') {
    throw invalid('a request needs its uri and method');
  }
  for (const field of ['headers', 'cookies', ...(isResponse ? [] : ['querystring'])]) {
    const map = r[field];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null) throw invalid(`${field} must be an object`);
    for (const [name, v] of Object.entries(map)) {
      const value = v as { value?: unknown; multiValue?: unknown };
      if (
        typeof value !== 'object' ||
        value === null ||
        (typeof value.value !== 'string' && !Array.isArray(value.multiValue))
      )
        throw invalid(`${field}.${name} must be { value } or { multiValue }`);
    }
  }
  return r;
}
