// Secrets as the local cloud keeps them: a primary region with optional
// read-only replicas, versions with staging labels, rotation settings.

import type { RotationRulesInput } from './schedule.js';

export const PENDING = 'AWSPENDING';
export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';

export interface SecretVersionState {
  versionId: string;
  secretString?: string;
  /** base64 */
  secretBinary?: string;
  stages: string[];
  createdDate: number;
  lastAccessedDate?: number;
}

export interface ReplicaState {
  region: string;
  kmsKeyId?: string;
}

export interface RotationRun {
  token: string;
  startedAt: number;
  step?: string;
  failedStep?: string;
  error?: string;
  endedAt?: number;
}

export interface SecretState {
  arn: string;
  /** the primary region (in the ARN) */
  region: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Array<{ Key: string; Value: string }>;
  resourcePolicy?: string;
  replicas?: ReplicaState[];
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRulesInput;
  lastRotatedDate?: number;
  nextRotationDate?: number;
  /** the rotation the local cloud is running or last ran (not an AWS field; AWS shows it in the function's logs) */
  rotation?: RotationRun;
  versions: SecretVersionState[];
}

export interface SecretsManagerState {
  secrets: SecretState[];
}

export const withStage = (secret: SecretState, stage: string): SecretVersionState | undefined =>
  secret.versions.find((v) => v.stages.includes(stage));

/** The ARN a secret has in `region`: its own, or its replica's. */
export const arnIn = (secret: SecretState, region: string): string =>
  secret.arn.replace(`:secretsmanager:${secret.region}:`, `:secretsmanager:${region}:`);

export const isReplicaIn = (secret: SecretState, region: string): boolean =>
  secret.region !== region && (secret.replicas ?? []).some((r) => r.region === region);

/** Attaches `stage` to `version`, taking it from whoever had it (AWSCURRENT leaves AWSPREVIOUS behind). */
export function moveStage(secret: SecretState, stage: string, version: SecretVersionState): void {
  const holder = withStage(secret, stage);
  if (holder === version) return;
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  version.stages.push(stage);
  if (stage === CURRENT && holder) {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
    holder.stages.push(PREVIOUS);
  }
}

/** AWS keeps up to 100 versions; unlabelled ones are deprecated and removed first. */
export function dropUnlabelled(secret: SecretState): void {
  const labelled = secret.versions.filter((v) => v.stages.length > 0);
  const unlabelled = secret.versions.filter((v) => v.stages.length === 0).slice(-(100 - labelled.length));
  secret.versions = secret.versions.filter((v) => labelled.includes(v) || unlabelled.includes(v));
}
