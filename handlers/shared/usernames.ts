// The one rule for usernames basicauth writes (config, `users add`, the rotation
// function's settings): short ASCII that survives a browser prompt, a URL, a
// shell, .netrc and a log line unchanged. Reading is more lenient (RFC 7617 only
// forbids ":" and control characters), so a hand-edited secret still works.

export const USERNAME_RULE = 'letters, digits, ".", "_" and "-", 1 to 64 characters, starting with a letter or digit';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a username cannot be used, or undefined when it can. */
export function usernameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'is not a string';
  return USERNAME.test(name) ? undefined : `is not ${USERNAME_RULE}`;
}

/** A list of usernames as the rotation function receives it: a JSON array (nothing can be split wrongly). */
export function encodeUsernames(names: readonly string[]): string {
  return JSON.stringify(names);
}

export function decodeUsernames(text: string): string[] {
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    throw new Error('is not a JSON array of usernames');
  }
  if (!Array.isArray(names) || names.length === 0) throw new Error('is not a non-empty JSON array of usernames');
  for (const name of names) {
    const problem = usernameProblem(name);
    if (problem) throw new Error(`names ${JSON.stringify(name)}, which ${problem}`);
  }
  if (new Set(names).size !== names.length) throw new Error('names a user twice');
  return names as string[];
}
