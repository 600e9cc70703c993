// The local cloud's state: one JSON document, rewritten atomically (temp
// file, fsync, rename) after every mutation, so a kill at any moment leaves
// the last complete state. Function code lives beside it as files.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretVersionState {
  versionId: string;
  secretString?: string;
  /** base64 */
  secretBinary?: string;
  stages: string[];
  createdDate: number;
  lastAccessedDate?: number;
}

export interface RotationRulesState {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export interface SecretState {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Array<{ Key: string; Value: string }>;
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRulesState;
  lastRotatedDate?: number;
  nextRotationDate?: number;
  /** the rotation the local cloud is running or last ran (not an AWS field) */
  rotation?: { token: string; startedAt: number; step?: string; failedStep?: string; error?: string; endedAt?: number };
  versions: SecretVersionState[];
}

export interface FunctionVersionState {
  version: string;
  codeSha256: string;
  codeSize: number;
  description: string;
  /** $LATEST's description when this version was published (what "unchanged" compares) */
  sourceDescription?: string;
  runtime: string;
  handler: string;
  role: string;
  timeout: number;
  memorySize: number;
  environment?: Record<string, string>;
  lastModified: string;
  revisionId: string;
}

export interface FunctionState {
  name: string;
  arn: string;
  latest: FunctionVersionState;
  versions: FunctionVersionState[];
}

export interface DistributionState {
  id: string;
  arn: string;
  domainName: string;
  /** the DistributionConfig XML as last written, without the XML declaration */
  configXml: string;
  etag: string;
  lastModified: number;
  /** the status reads InProgress until this time */
  deployedAt: number;
}

export interface CloudState {
  version: 1;
  accountId: string;
  region: string;
  secrets: SecretState[];
  functions: FunctionState[];
  distributions: DistributionState[];
  counter: number;
}

export function emptyState(): CloudState {
  return { version: 1, accountId: '000000000000', region: 'us-east-1', secrets: [], functions: [], distributions: [], counter: 0 };
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
      const parsed = JSON.parse(text) as CloudState;
      if (parsed.version !== 1) throw new Error(`unknown state version ${String(parsed.version)}`);
      return parsed;
    } catch (error) {
      throw new Error(`the local cloud state ${this.file} is unreadable (${(error as Error).message}); start with --fresh to discard it`);
    }
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

  /** A fresh id, stable across restarts. */
  nextId(): number {
    this.state.counter += 1;
    return this.state.counter;
  }
}
