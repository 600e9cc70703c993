// Reading the secret's current value and writing a new one in its place, for
// the commands that change it by hand (`users`, `tokens`): never during a
// rotation, and without taking AWSPREVIOUS (a rotation's grace) from where it is.

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSecretValue, type SecretValue } from '../../handlers/shared/secret-value.js';
import { explainAwsError } from '../aws/errors.js';
import { CliError } from '../core/errors.js';
import { again } from '../core/next-steps.js';
import { unfinishedPending } from './stages.js';

export interface CurrentValue {
  value: SecretValue;
  versionCreated: Date | undefined;
  lastRotated: Date | undefined;
  pending: string | undefined;
  stages: Record<string, string[]>;
}

export async function readCurrent(sm: SecretsManagerClient, secretId: string): Promise<CurrentValue> {
  const { GetSecretValueCommand, DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const [current, described] = await Promise.all([
    sm.send(new GetSecretValueCommand({ SecretId: secretId })),
    sm.send(new DescribeSecretCommand({ SecretId: secretId })),
  ]).catch((error) => explainAwsError(error, `secret ${secretId}`));
  const pending = unfinishedPending(described.VersionIdsToStages);
  return {
    value: parseSecretValue(current.SecretString ?? ''),
    versionCreated: current.CreatedDate,
    lastRotated: described.LastRotatedDate,
    pending,
    stages: described.VersionIdsToStages ?? {},
  };
}

/**
 * Writes the users' new value as AWSCURRENT. Moving AWSCURRENT also moves
 * AWSPREVIOUS to the version it leaves; AWSPREVIOUS belongs to the last
 * rotation (its grace period), so it goes back where it was.
 */
export async function writeCurrent(
  sm: SecretsManagerClient,
  secretId: string,
  next: Record<string, unknown>,
  before: CurrentValue,
): Promise<string> {
  const { PutSecretValueCommand, UpdateSecretVersionStageCommand } = await import('@aws-sdk/client-secrets-manager');
  const holder = (stage: string) => Object.entries(before.stages).find(([, s]) => s.includes(stage))?.[0];
  const [oldCurrent, previous] = [holder('AWSCURRENT'), holder('AWSPREVIOUS')];
  const out = await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(next) }));
  if (oldCurrent && previous !== oldCurrent) {
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: 'AWSPREVIOUS',
        RemoveFromVersionId: oldCurrent,
        ...(previous ? { MoveToVersionId: previous } : {}),
      }),
    );
  }
  return out.VersionId as string;
}

/** `what`: the change refused, in the message ("users", "tokens"). */
export function refuseDuringRotation(pending: string | undefined, what: string): void {
  // finishSecret would make the pending version (built from the value before
  // this change) current, and the change would be lost.
  if (pending)
    throw new CliError(
      `a rotation is in progress (version ${pending} is AWSPENDING): changing ${what} now would be undone by it`,
      {
        hint: `wait for it (${again('status')}), or clear a stuck one with ${again('rotate --now --recover')}`,
      },
    );
}
