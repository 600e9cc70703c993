// Constant-time credential check. Both sides are reduced to HMAC-SHA-256
// digests under a key drawn at cold start, so every comparison is between two
// 32-byte values: the time taken depends neither on where the first differing
// byte is nor on the length of the password or of the guess. All users are
// compared on every check (no early exit), so timing does not tell which
// usernames exist either.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const key = randomBytes(32);

function digest(bytes: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(bytes).digest();
}

export class CredentialMatcher {
  private readonly digests: Buffer[];

  constructor(users: ReadonlyMap<string, string>) {
    // A username cannot contain ':', so `user:password` names exactly one pair.
    this.digests = [...users].map(([name, password]) => digest(`${name}:${password}`));
  }

  get size(): number {
    return this.digests.length;
  }

  /** `credentials` are the decoded bytes of a Basic token (`user-id:password`). */
  matches(credentials: Uint8Array): boolean {
    const candidate = digest(credentials);
    let found = 0;
    for (const d of this.digests) found |= timingSafeEqual(candidate, d) ? 1 : 0;
    return found === 1;
  }
}
