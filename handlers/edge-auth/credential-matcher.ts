// Constant-time credential check. Both sides are reduced to keyed SHA-256
// digests, SHA-256(key || credential) under a one-block (64-byte) key drawn
// once per container (at its first digest), so every comparison is between two 32-byte values: the time
// taken depends neither on where the first differing byte is nor on the
// length of the password or of the guess. All users are compared on every
// check (no early exit), so timing does not tell which usernames exist
// either. A request's digest is computed once and serves the current version,
// the previous one and the memory of failed credentials.
//
// Why not HMAC: the digests never leave the container and are only compared
// with each other, so a secret prefix gives all the keying they need (length
// extension needs a digest to extend). The key fills one block, so its
// compression is done once: a credential of up to 55 bytes costs one more.
//
// Why not node:crypto: see ../shared/sha256.ts (and bench/RESULTS.md).

import { BLOCK_BYTES, DIGEST_BYTES, hashFrom, stateAfter } from '../shared/sha256.js';

/**
 * `length` bytes from the operating system's CSPRNG: /dev/urandom where there
 * is one (Lambda's Linux), read with the fs module Node has loaded anyway;
 * else Web Crypto, which costs a cold start ~5 ms to load.
 */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getBuiltinModule (Node >= 20.16) hands over the loaded module; an import of node:fs builds its ESM facade (~0.5 ms)
  const fs = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:fs') : undefined;
  if (fs) {
    let fd: number | undefined;
    try {
      fd = fs.openSync('/dev/urandom', 'r');
      for (let read = 0; read < length; ) {
        const n = fs.readSync(fd, bytes, read, length - read, null);
        if (n <= 0) throw new Error('short read');
        read += n;
      }
      return bytes;
    } catch {
      // no /dev/urandom here: Web Crypto below
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return globalThis.crypto.getRandomValues(bytes);
}

// The state after the key: every digest goes on from it. Drawn at the first digest, not when the module loads:
// module code runs before the secret's fetch is started, and the first digest overlaps that fetch.
let keyed: Int32Array | undefined;
const keyState = (): Int32Array => {
  keyed ??= stateAfter(randomBytes(BLOCK_BYTES));
  return keyed;
};

/** A credential as this container compares it: never the credential itself. */
export type CredentialDigest = Buffer;

export function credentialDigest(credential: Uint8Array | string): CredentialDigest {
  const bytes = typeof credential === 'string' ? Buffer.from(credential, 'utf8') : credential;
  return hashFrom(keyState(), BLOCK_BYTES, bytes, Buffer.allocUnsafe(DIGEST_BYTES));
}

// A token or a cookie is ASCII (its pattern was checked): written into one reused buffer, not a new one each time.
const scratch = Buffer.allocUnsafe(256);

/** The digest of an ASCII string (from `from`) up to 256 characters, as credentialDigest gives it, without allocating its bytes. */
export function asciiDigest(text: string, from = 0): CredentialDigest {
  if (text.length > scratch.length) return credentialDigest(text.slice(from));
  const n = scratch.write(text, 'latin1');
  return hashFrom(keyState(), BLOCK_BYTES, scratch.subarray(Math.min(from, n), n), Buffer.allocUnsafe(DIGEST_BYTES));
}

/** Equal-length digests compared with no early exit. */
export function sameDigest(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < DIGEST_BYTES; i++) diff |= a[i]! ^ b[i]!;
  return ((diff - 1) >>> 31) & 1; // 1 when diff is 0, without a branch
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
    for (const d of this.digests) found |= sameDigest(candidate, d);
    return found === 1;
  }
}
