// Constant-time credential check. Both sides are reduced to HMAC-SHA-256
// digests under a key drawn at cold start, so every comparison is between two
// 32-byte values: the time taken depends neither on where the first differing
// byte is nor on the length of the password or of the guess. All users are
// compared on every check (no early exit), so timing does not tell which
// usernames exist either. A request's digest is computed once and serves the
// current version, the previous one and the memory of failed credentials.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const key = randomBytes(32);

/** A credential as this container compares it: never the credential itself. */
export type CredentialDigest = Buffer;

export function credentialDigest(bytes: Uint8Array | string): CredentialDigest {
  return createHmac('sha256', key).update(bytes).digest();
}

export class CredentialMatcher {
  private readonly digests: Buffer[];
  readonly names: ReadonlySet<string>;

  constructor(users: ReadonlyMap<string, string>) {
    // A username cannot contain ':', so `user:password` names exactly one pair.
    this.digests = [...users].map(([name, password]) => credentialDigest(`${name}:${password}`));
    this.names = new Set(users.keys());
  }

  get size(): number {
    return this.digests.length;
  }

  matches(candidate: CredentialDigest): boolean {
    let found = 0;
    for (const d of this.digests) found |= timingSafeEqual(candidate, d) ? 1 : 0;
    return found === 1;
  }
}
