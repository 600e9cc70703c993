import { describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { CredentialMatcher, credentialDigest, randomBytes } from '../../../handlers/edge-auth/credential-matcher.js';
import { MAX_AUTHORIZATION_LENGTH } from '../../../handlers/shared/basic-auth.js';

describe('credential digests', () => {
  it('are 32 bytes, the same for the same credential as text or bytes, and differ otherwise', () => {
    const a = credentialDigest('admin:s3cret');
    expect(a).toHaveLength(32);
    expect(credentialDigest(Buffer.from('admin:s3cret'))).toEqual(a);
    expect(credentialDigest('admin:s3cret ')).not.toEqual(a);
    expect(credentialDigest('admin:s3cre')).not.toEqual(a);
  });

  it('are keyed: not the plain SHA-256 of the credential', () => {
    const plain = createHash('sha256').update('admin:s3cret').digest();
    expect(credentialDigest('admin:s3cret')).not.toEqual(plain);
  });

  it('do not depend on what was hashed before (the reused buffer is cleared)', () => {
    const short = credentialDigest('a:b');
    credentialDigest(`a:${'x'.repeat(500)}`);
    expect(credentialDigest('a:b')).toEqual(short);
  });

  it('handle credentials longer than any header can carry', () => {
    const long = `a:${'y'.repeat(MAX_AUTHORIZATION_LENGTH * 2)}`;
    expect(credentialDigest(long)).toEqual(credentialDigest(Buffer.from(long)));
    expect(credentialDigest(long)).not.toEqual(credentialDigest(`${long}z`));
  });
});

describe('the key', () => {
  it('is drawn from /dev/urandom, or from Web Crypto where Node cannot hand over fs', () => {
    const getRandomValues = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const draws = [randomBytes(64), randomBytes(64)];
    expect(getRandomValues).not.toHaveBeenCalled();
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    try {
      draws.push(randomBytes(64));
      expect(getRandomValues).toHaveBeenCalledOnce();
    } finally {
      vi.restoreAllMocks();
    }
    for (const d of draws) expect(d).toHaveLength(64);
    expect(new Set(draws.map((d) => Buffer.from(d).toString('hex'))).size).toBe(3);
  });
});

describe('CredentialMatcher', () => {
  const matcher = new CredentialMatcher(
    new Map([
      ['alice', 'pw-a'],
      ['bob', 'pw-b'],
    ]),
  );

  it('accepts each user with their own password only', () => {
    expect(matcher.matches(credentialDigest('alice:pw-a'))).toBe(true);
    expect(matcher.matches(credentialDigest('bob:pw-b'))).toBe(true);
    expect(matcher.matches(credentialDigest('alice:pw-b'))).toBe(false);
    expect(matcher.matches(credentialDigest('carol:pw-a'))).toBe(false);
    expect(matcher.size).toBe(2);
    expect([...matcher.names]).toEqual(['alice', 'bob']);
  });
});
