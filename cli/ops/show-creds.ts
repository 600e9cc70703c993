// Reads the credentials of one version of the secret, for onboarding.
// This operation and the show-creds command are the only code that prints a password.

import { parseSecretValue, SecretValueError } from '../../handlers/shared/secret-value.js';
import { CliError } from '../core/errors.js';
import { explainAwsError, isNotFound } from '../aws/errors.js';
import type { Target } from '../project/target.js';
import { again } from '../core/next-steps.js';

export interface Credentials {
  site: string | undefined;
  secretId: string;
  versionId: string;
  stage: 'AWSCURRENT' | 'AWSPREVIOUS';
  setAt: string | undefined;
  nextRotation: string | undefined;
  users: Array<{ username: string; password: string }>;
}

export async function readCredentials(
  target: Target,
  options: { previous?: boolean; user?: string },
): Promise<Credentials> {
  const reads = target.clients.secretReads();
  const stage = options.previous ? 'AWSPREVIOUS' : 'AWSCURRENT';
  const [value, described] = await Promise.all([
    reads.getSecretValue(target.secretId, stage).catch((error) => {
      if (isNotFound(error)) {
        throw new CliError(
          options.previous
            ? 'the secret has no previous password yet (it has not rotated since it was created)'
            : 'the secret has no password yet',
          {
            hint: options.previous
              ? 'drop --previous'
              : `enable rotation (${again('deploy')} / basicauth dev) to create the first one`,
          },
        );
      }
      return explainAwsError(error, `secret ${target.secretId}`);
    }),
    reads.describeSecret(target.secretId).catch((error) => explainAwsError(error, `secret ${target.secretId}`)),
  ]);
  const text = value.secretString ?? '';
  let users: Array<{ username: string; password: string }>;
  try {
    users = [...parseSecretValue(text).users].map(([username, password]) => ({ username, password }));
  } catch (error) {
    if (error instanceof SecretValueError)
      throw new CliError(`the secret's value is unusable: ${error.message}`, {
        hint: `run \`${again('rotate --now')}\`: the rotation replaces an unusable value with new passwords for the configured users`,
      });
    throw error;
  }
  if (options.user) {
    users = users.filter((u) => u.username === options.user);
    if (users.length === 0)
      throw new CliError(`no user named "${options.user}" in the secret`, {
        hint: 'run show-creds without --user to list them',
      });
  }
  return {
    site: target.siteUrl,
    secretId: described.arn ?? target.secretId,
    versionId: value.versionId ?? '',
    stage,
    setAt: value.createdDate?.toISOString(),
    nextRotation:
      stage === 'AWSCURRENT' && described.rotationEnabled ? described.nextRotationDate?.toISOString() : undefined,
    users,
  };
}
