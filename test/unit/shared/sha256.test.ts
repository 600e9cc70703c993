import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_BYTES,
  hashFrom,
  hmacKey,
  hmacSha256,
  SHA256_IV,
  sha256,
  stateAfter,
} from '../../../handlers/shared/sha256.js';

const nodeSha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

describe('sha256 (plain JS)', () => {
  it('matches node:crypto at every length up to three blocks, across every padding boundary', () => {
    for (let n = 0; n <= 3 * BLOCK_BYTES + 1; n++) {
      const data = Buffer.alloc(n, n % 251);
      expect(sha256(data).toString('hex'), `length ${n}`).toBe(nodeSha256(data).toString('hex'));
    }
  });

  it('matches node:crypto on random inputs, and on the FIPS 180-4 examples', () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(Math.floor(Math.random() * 1000));
      expect(sha256(data).equals(nodeSha256(data))).toBe(true);
    }
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toString('hex')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('goes on from a kept state as if the prefix were hashed again', () => {
    const prefix = randomBytes(BLOCK_BYTES);
    const state = stateAfter(prefix);
    for (const n of [0, 1, 55, 56, 63, 64, 65, 200]) {
      const data = randomBytes(n);
      const out = hashFrom(state, BLOCK_BYTES, data, Buffer.alloc(32));
      expect(out.equals(nodeSha256(Buffer.concat([prefix, data]))), `length ${n}`).toBe(true);
    }
    // the kept state is not changed by using it
    expect(
      hashFrom(state, BLOCK_BYTES, Buffer.from('x'), Buffer.alloc(32)).equals(
        hashFrom(state, BLOCK_BYTES, Buffer.from('x'), Buffer.alloc(32)),
      ),
    ).toBe(true);
    expect(hashFrom(SHA256_IV, 0, Buffer.from('abc'), Buffer.alloc(32)).equals(nodeSha256(Buffer.from('abc')))).toBe(
      true,
    );
    expect(() => stateAfter(Buffer.alloc(10))).toThrow(/exactly 64 bytes/);
  });

  it('HMAC-SHA256 matches node:crypto for keys shorter than, equal to and longer than a block (RFC 4231 included)', () => {
    for (const keyLength of [0, 1, 20, 44, 63, 64, 65, 131]) {
      const key = randomBytes(keyLength);
      for (const n of [0, 8, 64, 140, 300]) {
        const data = randomBytes(n);
        const expected = createHmac('sha256', key).update(data).digest();
        expect(hmacSha256(key, data).equals(expected), `key ${keyLength}, data ${n}`).toBe(true);
        expect(hmacSha256(hmacKey(key), data).equals(expected)).toBe(true);
      }
    }
    // RFC 4231, test case 2
    expect(hmacSha256(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
