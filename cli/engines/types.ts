// The CLI side of an edge engine: what status, publish, rotate, users and
// deploy ask of the edge, whichever engine checks the credentials. Registered
// in cli/engines/index.ts; the stack side is stacks/engines/.

import type { AwsClients } from '../aws/clients.js';
import type { StatusReads } from '../aws/status-reads.js';
import type { Emit } from '../core/events.js';

/** Something wrong, with the command that fixes it. */
export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

/** What an engine is told about the site it works on (cli/project/target.ts's Target has all of it). */
export interface EngineTarget {
  clients: AwsClients;
  secretId: string;
  functionName: string | undefined;
  distributionId: string | undefined;
  /** the CloudFront Functions engine's store of digests */
  keyValueStoreArn: string | undefined;
  /** the grace period the config sets (else what the edge was last given) */
  graceSeconds: number | undefined;
  /** behaviors the config leaves unprotected on purpose */
  leaveUnprotected: string[];
  /** the local cloud answers at once: poll it often */
  local: unknown;
}

/** What the distribution runs, as status reports it. */
export interface EdgeStatus {
  engine: string;
  functionArn: string;
  /** the version behaviors should run ('LIVE' for a CloudFront function) */
  latestVersion: string | undefined;
  distributionId: string;
  domainName: string | undefined;
  status: string | undefined;
  behaviors: Array<{ pathPattern: string; version: string }>;
  /** behaviors that run no version of the function */
  unprotected: string[];
  /** the CloudFront Functions engine: whether its store holds the digests of AWSCURRENT */
  store?: StoreState;
}

/** The CloudFront Functions engine's store of digests, against the secret. */
export interface StoreState {
  arn: string;
  /** the secret version the store's digests come from (its meta key), if any */
  publishedVersion: string | undefined;
  currentVersion: string;
  inStep: boolean;
  users: number;
  publishedAt: string | undefined;
  graceSeconds: number;
}

/** A command's result: the JSON document, and the sentence for a person. */
export interface Outcome<T = Record<string, unknown>> {
  data: T;
  text: string;
}

export interface EdgeEngine {
  /** status: what the distribution runs, and what is wrong with it (reads start at once; `reads` are the light clients) */
  readEdge(
    target: EngineTarget,
    edge: { functionName: string; distributionId: string },
    reads: StatusReads,
    now: number,
  ): Promise<{ edge: EdgeStatus; problems: Problem[] }>;
  /** publish: make every edge run the current code and credentials */
  publish(
    target: EngineTarget,
    edge: { functionName: string; distributionId: string },
    options: { wait: boolean; timeoutMs: number },
    emit: Emit,
  ): Promise<Outcome<unknown>>;
  /** after `rotate --now` made a version current: wait until the edge can accept it; what the result adds, and the sentence that says so */
  afterRotation(
    target: EngineTarget,
    rotated: { secretId: string; versionId: string; durationMs: number },
    options: { timeoutMs: number },
    emit: Emit,
  ): Promise<Outcome>;
  /** after users add/remove wrote a new secret version: publish it where the edge reads it; and when the edge refuses a removed user */
  afterUsersChange(
    target: EngineTarget,
    emit: Emit,
  ): Promise<{ store?: { versionId: string; written: number; deleted: number }; revoked: string }>;
  /** after `tokens revoke`: when the edge refuses the token and its cookies (a sentence) */
  tokenRevocation: string;
  /** where the edge logs: its group's name and the regions it may appear in (`basicauth logs`, status, deploy) */
  logGroups(functionName: string): { name: string; regions: readonly string[] };
  /** the end of a deploy: every behavior runs what was deployed (an error naming the fix otherwise) */
  checkProtection(
    target: EngineTarget,
    deployed: { distributionId: string; functionQualifiedArn: string },
  ): Promise<void>;
}
