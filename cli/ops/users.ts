// `users add|remove|list`: one password per person, so that someone who
// leaves loses access without everyone else getting a new password.

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PASSWORD_SET_AT, parseSecretValue, type SecretValue } from '../../handlers/shared/secret-value.js';
import { usernameProblem, USERNAME_RULE } from '../../handlers/shared/usernames.js';
import { DEFAULT_EXCLUDE_CHARACTERS } from '../../handlers/rotate/settings.js';
import { CliError } from '../core/errors.js';
import { unfinishedPending } from './stages.js';
import { explainAwsError } from '../aws/errors.js';
import { again } from '../core/next-steps.js';

export interface UserAge {
  username: string;
  passwordSetAt: string | undefined;
}

interface CurrentValue {
  value: SecretValue;
  versionCreated: Date | undefined;
  lastRotated: Date | undefined;
  pending: string | undefined;
  stages: Record<string, string[]>;
}

async function readCurrent(sm: SecretsManagerClient, secretId: string): Promise<CurrentValue> {
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

function ages(value: SecretValue, lastRotated: Date | undefined, versionCreated: Date | undefined): UserAge[] {
  const setAt = (value.raw[PASSWORD_SET_AT] ?? {}) as Record<string, string>;
  return [...value.users.keys()].map((username) => {
    // A rotation sets every password; an add sets one. The later one counts.
    const times = [setAt[username], lastRotated?.toISOString()].filter((t): t is string => Boolean(t)).sort();
    return { username, passwordSetAt: times.at(-1) ?? versionCreated?.toISOString() };
  });
}

export async function listUsers(sm: SecretsManagerClient, secretId: string): Promise<UserAge[]> {
  const { value, lastRotated, versionCreated } = await readCurrent(sm, secretId);
  return ages(value, lastRotated, versionCreated);
}

/**
 * Writes the users' new value as AWSCURRENT. Moving AWSCURRENT also moves
 * AWSPREVIOUS to the version it leaves; AWSPREVIOUS belongs to the last
 * rotation (its grace period), so it goes back where it was.
 */
async function write(
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

function refuseDuringRotation(pending: string | undefined): void {
  // finishSecret would make the pending version (built from the value before
  // this change) current, and the change would be lost.
  if (pending)
    throw new CliError(
      `a rotation is in progress (version ${pending} is AWSPENDING): changing users now would be undone by it`,
      {
        hint: `wait for it (${again('status')}), or clear a stuck one with ${again('rotate --now --recover')}`,
      },
    );
}

export async function addUser(
  sm: SecretsManagerClient,
  secretId: string,
  name: string,
  options: { passwordLength: number; excludeCharacters?: string },
): Promise<{ versionId: string; username: string; users: string[] }> {
  const problem = usernameProblem(name);
  if (problem)
    throw new CliError(`username ${JSON.stringify(name)} ${problem}`, { hint: `use ${USERNAME_RULE}`, exitCode: 2 });
  const { GetRandomPasswordCommand } = await import('@aws-sdk/client-secrets-manager');
  const current = await readCurrent(sm, secretId);
  const { value } = current;
  refuseDuringRotation(current.pending);
  if (value.users.has(name))
    throw new CliError(`user "${name}" already exists`, {
      hint: `to give them a new password, remove and add them again, or rotate everyone with ${again('rotate --now')}`,
    });
  const generated = await sm.send(
    new GetRandomPasswordCommand({
      PasswordLength: options.passwordLength,
      ExcludeCharacters: options.excludeCharacters ?? DEFAULT_EXCLUDE_CHARACTERS,
      IncludeSpace: false,
    }),
  );
  const users = Object.fromEntries([...value.users, [name, generated.RandomPassword as string]]);
  const { username: _u, password: _p, ...rest } = value.raw;
  const next = {
    ...rest,
    users,
    [PASSWORD_SET_AT]: { ...((value.raw[PASSWORD_SET_AT] ?? {}) as object), [name]: new Date().toISOString() },
  };
  return { versionId: await write(sm, secretId, next, current), username: name, users: Object.keys(users) };
}

export async function removeUser(
  sm: SecretsManagerClient,
  secretId: string,
  name: string,
): Promise<{ versionId: string; username: string; users: string[] }> {
  const current = await readCurrent(sm, secretId);
  const { value } = current;
  refuseDuringRotation(current.pending);
  if (!value.users.has(name))
    throw new CliError(`no user named "${name}"`, { hint: `users: ${[...value.users.keys()].join(', ')}` });
  if (value.users.size === 1)
    throw new CliError(`"${name}" is the only user: removing them would lock everyone out`, {
      hint: 'add another user first',
    });
  const users = Object.fromEntries([...value.users].filter(([n]) => n !== name));
  const setAt = { ...((value.raw[PASSWORD_SET_AT] ?? {}) as Record<string, string>) };
  delete setAt[name];
  const { username: _u, password: _p, ...rest } = value.raw;
  const next = { ...rest, users, [PASSWORD_SET_AT]: setAt };
  return { versionId: await write(sm, secretId, next, current), username: name, users: Object.keys(users) };
}
