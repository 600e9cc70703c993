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

/** Builds a value of the same form (and extra fields) as `template` with new passwords. */
export function withPasswords(template: SecretValue, passwords: Map<string, string>): Record<string, unknown> {
  if (template.form === 'single') {
    const [name] = template.users.keys();
    return { ...template.raw, username: name, password: passwords.get(name as string) };
  }
  return { ...template.raw, users: Object.fromEntries(passwords) };
}

// Usernames are not secret, but a broken one may hold anything: keep it printable and short.
function safeName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
