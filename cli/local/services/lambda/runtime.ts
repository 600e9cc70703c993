// Runs function versions as Lambda does: each instance is a fresh module in
// its own worker thread (own process.env, own module-scope cache), created on
// first use, so the first request to a new version is a cold start.

import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// Evaluated as CommonJS; the bundle itself is ESM, loaded by import().
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = import(workerData.url).then((m) => {
  const fn = m[workerData.exportName] ?? (m.default && m.default[workerData.exportName]);
  if (typeof fn !== 'function') throw Object.assign(new Error(workerData.exportName + ' is not a function exported by the bundle'), { name: 'Runtime.HandlerNotFound' });
  return fn;
});
loaded.catch(() => {});
parentPort.on('message', async ({ id, event, context }) => {
  try {
    const handler = await loaded;
    // the function's timeout runs from here: module initialization has its own limit, as on Lambda
    parentPort.postMessage({ id, started: true });
    const result = await handler(event, context);
    parentPort.postMessage({ id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: { name: (error && error.name) || 'Error', message: (error && error.message) || String(error) } });
  }
});
`;

export class FunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

export interface InstanceSpec {
  functionName: string;
  version: string;
  /** the unpacked bundle directory holding index.mjs */
  codeDir: string;
  handler: string;
  timeoutSeconds: number;
  env: Record<string, string>;
  /** where what it prints goes in CloudWatch Logs: the region that runs it, its group, its stream */
  log: { region: string; group: string; stream: string };
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Lambda gives a function's initialization 10 s of its own, apart from the invocation's timeout. */
const INIT_LIMIT_MS = 10_000;

class Instance {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  dead = false;

  constructor(
    readonly spec: InstanceSpec,
    readonly label: string,
    onLog: (label: string, line: string, spec: InstanceSpec) => void,
  ) {
    const dot = spec.handler.lastIndexOf('.');
    const [file, exportName] = [spec.handler.slice(0, dot), spec.handler.slice(dot + 1)];
    // As the Node.js runtime does: index.mjs, then index.js, then index.cjs.
    const entry =
      ['.mjs', '.js', '.cjs'].map((ext) => join(spec.codeDir, `${file}${ext}`)).find((path) => existsSync(path)) ??
      join(spec.codeDir, `${file}.mjs`);
    this.worker = new Worker(BOOTSTRAP, {
      eval: true,
      env: spec.env,
      stdout: true,
      stderr: true,
      workerData: { url: pathToFileURL(entry).href, exportName },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.worker.unref();
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line) onLog(this.label, line, this.spec);
      });
    }
    this.worker.on(
      'message',
      (m: { id: number; started?: true; ok: boolean; result?: unknown; error?: { name: string; message: string } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.started) {
          clearTimeout(p.timer);
          p.timer = this.deadline(
            m.id,
            this.spec.timeoutSeconds * 1000,
            'Sandbox.Timedout',
            `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          );
          return;
        }
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.result);
        else p.reject(new FunctionError(m.error?.name ?? 'Error', m.error?.message ?? 'unknown error'));
      },
    );
    const fail = (error: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new FunctionError('Runtime.ExitError', error.message));
      }
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the function's runtime exited (code ${code})`)));
  }

  invoke(event: unknown, context: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      // until the handler starts (a cold start loads the module first): the init limit
      const timer = this.deadline(
        id,
        INIT_LIMIT_MS + this.spec.timeoutSeconds * 1000,
        'Runtime.InitTimeout',
        `Init timed out after ${(INIT_LIMIT_MS / 1000).toFixed(2)} seconds`,
      );
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, event, context });
    });
  }

  /** Fails invocation `id` after `ms`; a sandbox that timed out is not reused. */
  private deadline(id: number, ms: number, errorType: string, message: string): NodeJS.Timeout {
    return setTimeout(() => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      p.reject(new FunctionError(errorType, message));
      void this.stop();
    }, ms);
  }

  async stop(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

export class LambdaRuntime {
  private readonly pools = new Map<string, { instances: Instance[]; next: number }>();

  constructor(
    private readonly options: {
      instances: number;
      onLog: (label: string, line: string, spec: InstanceSpec) => void;
      packageNodeModules: string;
      rootDir: string;
    },
  ) {
    // Bundles leave the AWS SDK to the runtime; in the local cloud the
    // runtime's SDK is basicauth's own, reachable through this link.
    mkdirSync(options.rootDir, { recursive: true });
    const link = join(options.rootDir, 'node_modules');
    if (!existsSync(link)) symlinkSync(options.packageNodeModules, link, 'junction');
  }

  /**
   * Runs `event` on one instance of the function version `key` (round robin
   * over the pool). `spec` is only asked for when an instance has to be
   * created: a cold start.
   */
  async invoke(
    key: string,
    /** what a new instance at this index of the pool runs (Lambda@Edge: each index a region of its own) */
    spec: (index: number) => InstanceSpec,
    event: unknown,
    instancesOverride?: number,
    meta?: { instance?: string },
  ): Promise<unknown> {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { instances: [], next: 0 };
      this.pools.set(key, pool);
    }
    const size = instancesOverride ?? this.options.instances;
    const index = pool.next++ % size;
    let instance = pool.instances[index];
    if (!instance || instance.dead) {
      const s = spec(index);
      instance = new Instance(s, `${s.functionName}:${s.version}#${index + 1}`, this.options.onLog);
      pool.instances[index] = instance;
    }
    const context = {
      functionName: instance.spec.functionName,
      functionVersion: instance.spec.version,
      awsRequestId: crypto.randomUUID(),
    };
    if (meta) meta.instance = instance.label;
    return instance.invoke(event, context);
  }

  /** Stops the instances of the versions `keep` says no to. */
  async retire(keep: (key: string) => boolean): Promise<void> {
    const stops: Array<Promise<void>> = [];
    for (const [key, pool] of this.pools) {
      if (keep(key)) continue;
      this.pools.delete(key);
      stops.push(...pool.instances.filter(Boolean).map((i) => i.stop()));
    }
    await Promise.all(stops);
  }

  /** The live instances of each running version, by label (function:version#n), for the dashboard. */
  instances(): Array<{ key: string; labels: string[] }> {
    return [...this.pools].map(([key, pool]) => ({
      key,
      labels: pool.instances.filter((i) => i && !i.dead).map((i) => i.label),
    }));
  }

  async stop(): Promise<void> {
    await this.retire(() => false);
  }
}
