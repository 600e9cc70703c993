// The local cloud's state: one JSON document holding each service plugin's
// slice, rewritten atomically (temp file, fsync, rename) after every change,
// so a kill at any moment leaves the last complete state. Function code lives
// beside it as files.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface CloudState {
  version: 2;
  accountId: string;
  /** the region a client gets when it names none (dev's own resources live here) */
  region: string;
  counter: number;
  services: Record<string, unknown>;
}

export const emptyState = (): CloudState => ({
  version: 2,
  accountId: '000000000000',
  region: 'us-east-1',
  counter: 0,
  services: {},
});

/** Version 1 kept three top-level lists, all in one region, and code by function name. */
function migrate(parsed: Record<string, unknown>, codeDir: string): CloudState {
  if (parsed.version === 2) return parsed as unknown as CloudState;
  if (parsed.version !== 1) throw new Error(`unknown state version ${String(parsed.version)}`);
  const region = String(parsed.region ?? 'us-east-1');
  const inRegion = (list: unknown) =>
    ((list as Array<Record<string, unknown>>) ?? []).map((item): Record<string, unknown> => ({ region, ...item }));
  const functions = inRegion(parsed.functions);
  mkdirSync(join(codeDir, region), { recursive: true });
  for (const fn of functions) {
    if (existsSync(join(codeDir, String(fn.name))))
      renameSync(join(codeDir, String(fn.name)), join(codeDir, region, String(fn.name)));
  }
  return {
    version: 2,
    accountId: String(parsed.accountId ?? '000000000000'),
    region,
    counter: Number(parsed.counter ?? 0),
    services: {
      secretsmanager: { secrets: inRegion(parsed.secrets) },
      lambda: { functions },
      cloudfront: { distributions: parsed.distributions ?? [], originAccessControls: [] },
    },
  };
}

export class StateStore {
  readonly file: string;
  readonly codeDir: string;
  state: CloudState;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'state.json');
    this.codeDir = join(dir, 'functions');
    this.state = this.load();
  }

  private load(): CloudState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw error;
    }
    try {
      return migrate(JSON.parse(text) as Record<string, unknown>, this.codeDir);
    } catch (error) {
      throw new Error(
        `the local cloud state ${this.file} is unreadable (${(error as Error).message}); start with --fresh to discard it`,
      );
    }
  }

  /** A service's slice, created from `initial` the first time. */
  slice<S>(service: string, initial: () => S): S {
    const merged = { ...initial(), ...(this.state.services[service] as S | undefined) };
    this.state.services[service] = merged;
    return merged;
  }

  /** Writes the whole state; readers only ever see a complete file. */
  save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  /** A fresh number, stable across restarts. */
  nextId(): number {
    this.state.counter += 1;
    return this.state.counter;
  }
}
