// The secret's JSON value, in either of the two forms basicauth accepts:
//   {"username": "admin", "password": "…"}          (the seed article's form)
//   {"users": {"alice": "…", "bob": "…"}}          (one password per person)
// Shared by the edge check, the rotation handler and the CLI so that all three
// agree on what a valid value is.

export type SecretForm = 'single' | 'multi';

export interface SecretValue {
  form: SecretForm;
  /** username -> password, in the order the secret lists them */
  users: Map<string, string>;
  /** the parsed JSON object, kept so that rotation preserves fields it does not own */
  raw: Record<string, unknown>;
}

export class SecretValueError extends Error {
  override name = 'SecretValueError';
}

// RFC 7617: the user-id cannot contain a colon; control characters would make
// the username unusable in a browser prompt and in logs.
// eslint-disable-next-line no-control-regex
const INVALID_USERNAME = /[:\u0000-\u001f\u007f]/;

export function validateUsername(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 256) return 'is longer than 256 characters';
  if (INVALID_USERNAME.test(name)) return 'contains a colon or a control character';
  return undefined;
}

/** Parses the SecretString. Error messages name fields, never values. */
export function parseSecretValue(secretString: string): SecretValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretValueError('secret value is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SecretValueError('secret value is not a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  const users = new Map<string, string>();

  if ('users' in raw) {
    const map = raw.users;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      throw new SecretValueError('"users" must be an object of username -> password');
    }
    for (const [name, password] of Object.entries(map as Record<string, unknown>)) {
      addUser(users, name, password, `users["${safeName(name)}"]`);
    }
    if (users.size === 0) throw new SecretValueError('"users" lists no user');
    return { form: 'multi', users, raw };
  }

  if (typeof raw.username !== 'string') {
    throw new SecretValueError('secret value needs "username" and "password" strings, or a "users" object');
  }
  addUser(users, raw.username, raw.password, 'password');
  return { form: 'single', users, raw };
}

function addUser(users: Map<string, string>, name: string, password: unknown, field: string): void {
  const problem = validateUsername(name);
  if (problem) throw new SecretValueError(`username "${safeName(name)}" ${problem}`);
  if (typeof password !== 'string' || password.length === 0) {
    throw new SecretValueError(`${field} must be a non-empty string`);
  }
  users.set(name, password);
}

/** Where `users add` records when it set a user's password (ISO time by name); a rotation sets them all and drops it. */
export const PASSWORD_SET_AT = 'passwordSetAt';

/**
 * The users whose password in the previous version may still count during the
 * grace period: those whose current password came from the rotation that
 * replaced it. A user `users add` (re)created since has a password of their
 * own, and their pre-rotation one must not come back with the name.
 */
export function graceNames(current: SecretValue): Set<string> {
  const setAt = current.raw[PASSWORD_SET_AT];
  const added = setAt !== null && typeof setAt === 'object' ? (setAt as Record<string, unknown>) : {};
  return new Set([...current.users.keys()].filter((name) => !Object.hasOwn(added, name)));
}

/** Builds a value of the same form (and extra fields) as `template` with new passwords: every password, so no `passwordSetAt`. */
export function withPasswords(template: SecretValue, passwords: Map<string, string>): Record<string, unknown> {
  const { [PASSWORD_SET_AT]: _setByUsersAdd, ...raw } = template.raw;
  if (template.form === 'single') {
    const [name] = template.users.keys();
    return { ...raw, username: name, password: passwords.get(name as string) };
  }
  return { ...raw, users: Object.fromEntries(passwords) };
}

// Usernames are not secret, but a broken one may hold anything: keep it printable and short.
function safeName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
