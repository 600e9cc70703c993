// Constant-time credential check. Both sides are reduced to keyed SHA-256
// digests, SHA-256(key || credential) under a 32-byte key drawn at cold start,
// so every comparison is between two 32-byte values: the time taken depends neither on where the first differing
// byte is nor on the length of the password or of the guess. All users are
// compared on every check (no early exit), so timing does not tell which
// usernames exist either. A request's digest is computed once and serves the
// current version, the previous one and the memory of failed credentials.

//
// Why not HMAC: the digests never leave the container and are only compared
// with each other, so a secret prefix gives all the keying they need (length
// extension needs a digest to extend); a one-shot hash over a reused buffer
// costs ~1.5 µs where an HMAC object costs ~2.9 µs, most of a warm decision
// (bench/edge-warm.ts).

import * as crypto from 'node:crypto';
import { MAX_AUTHORIZATION_LENGTH } from './basic-auth.js';

const KEY_BYTES = 32;
// key || credential; a decoded header is at most 3/4 of its length
const scratch = Buffer.alloc(KEY_BYTES + MAX_AUTHORIZATION_LENGTH);
crypto.randomFillSync(scratch, 0, KEY_BYTES);

// crypto.hash (Node ≥ 20.12) skips the Hash object; older runtimes get the same digest the long way.
const sha256: (data: Buffer) => Buffer =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'buffer') as unknown as Buffer : (data) => crypto.createHash('sha256').update(data).digest();

/** A credential as this container compares it: never the credential itself. */
export type CredentialDigest = Buffer;

export function credentialDigest(credential: Uint8Array | string): CredentialDigest {
  const bytes = typeof credential === 'string' ? Buffer.from(credential, 'utf8') : credential;
  if (bytes.length > MAX_AUTHORIZATION_LENGTH) return sha256(Buffer.concat([scratch.subarray(0, KEY_BYTES), bytes]));
  scratch.set(bytes, KEY_BYTES);
  const digest = sha256(scratch.subarray(0, KEY_BYTES + bytes.length));
  scratch.fill(0, KEY_BYTES, KEY_BYTES + bytes.length); // no credential lingers in the buffer
  return digest;
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
    for (const d of this.digests) found |= crypto.timingSafeEqual(candidate, d) ? 1 : 0;
    return found === 1;
  }
}
