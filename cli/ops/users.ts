// `users add|remove|list`: one password per person, so that someone who
// leaves loses access without everyone else getting a new password.

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PASSWORD_SET_AT, type SecretValue } from '../../handlers/shared/secret-value.js';
import { usernameProblem, USERNAME_RULE } from '../../handlers/shared/usernames.js';
import { DEFAULT_EXCLUDE_CHARACTERS } from '../../handlers/rotate/settings.js';
import { CliError } from '../core/errors.js';
import { again } from '../core/next-steps.js';
import { readCurrent, refuseDuringRotation, writeCurrent } from './secret-writes.js';

export interface UserAge {
  username: string;
  passwordSetAt: string | undefined;
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
  refuseDuringRotation(current.pending, 'users');
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
  return { versionId: await writeCurrent(sm, secretId, next, current), username: name, users: Object.keys(users) };
}

export async function removeUser(
  sm: SecretsManagerClient,
  secretId: string,
  name: string,
): Promise<{ versionId: string; username: string; users: string[] }> {
  const current = await readCurrent(sm, secretId);
  const { value } = current;
  refuseDuringRotation(current.pending, 'users');
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
  return { versionId: await writeCurrent(sm, secretId, next, current), username: name, users: Object.keys(users) };
}
