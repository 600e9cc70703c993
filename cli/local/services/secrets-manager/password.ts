// GetRandomPassword with Secrets Manager's options: character classes, excluded
// characters, and at least one of each included class by default.

import { randomInt } from 'node:crypto';
import { invalidParameter } from '../../plugin.js';

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export function randomPassword(i: Record<string, unknown>): string {
  const length = i.PasswordLength === undefined ? 32 : Number(i.PasswordLength);
  if (!Number.isInteger(length) || length < 1 || length > 4096)
    throw invalidParameter('PasswordLength must be between 1 and 4096.');
  const exclude = new Set(typeof i.ExcludeCharacters === 'string' ? i.ExcludeCharacters : '');
  const classes = [
    i.ExcludeLowercase === true ? '' : 'abcdefghijklmnopqrstuvwxyz',
    i.ExcludeUppercase === true ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    i.ExcludeNumbers === true ? '' : '0123456789',
    i.ExcludePunctuation === true ? '' : PUNCTUATION,
    i.IncludeSpace === true ? ' ' : '',
  ]
    .map((chars) => [...chars].filter((c) => !exclude.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  if (classes.length === 0)
    throw invalidParameter('The password cannot be generated: every character type is excluded.');
  const requireEach = i.RequireEachIncludedType !== false;
  if (requireEach && length < classes.length)
    throw invalidParameter(`PasswordLength must be at least ${classes.length} to include each character type.`);
  const alphabet = classes.join('');
  for (;;) {
    const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (!requireEach || classes.every((chars) => [...password].some((c) => chars.includes(c)))) return password;
  }
}
