// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in plain JavaScript, for
// the edge's cold start: loading node:crypto, or a general library, costs more
// than this whole function does cold, and it is faster warm too (figures:
// bench/RESULTS.md, sections 1 and 2). One function, rounds inlined, typed arrays.
//
// The state after a first block can be kept (`stateAfter`) and hashing go on
// from it (`hashFrom`): an HMAC key's pads, or the edge's secret key prefix,
// are compressed once per container instead of once per use.
// test/unit/shared/sha256.test.ts checks every length up to three blocks and
// random inputs against node:crypto.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The initial state (FIPS 180-4 §5.3.3). */
export const SHA256_IV: Readonly<Int32Array> = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

export const BLOCK_BYTES = 64;
export const DIGEST_BYTES = 32;

const W = new Int32Array(64);
const S = new Int32Array(8);
const TAIL = new Uint8Array(2 * BLOCK_BYTES);

function compress(s: Int32Array, bytes: Uint8Array, at: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, at += 4)
    w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let f = s[5]!;
  let g = s[6]!;
  let h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 =
      (h +
        (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        ((e & f) ^ (~e & g)) +
        K[i]! +
        w[i]!) |
      0;
    const t2 =
      ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) ^ (a & c) ^ (b & c))) |
      0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/** The state after compressing one 64-byte block from the initial state. */
export function stateAfter(block: Uint8Array): Int32Array {
  if (block.length !== BLOCK_BYTES)
    throw new RangeError(`a state is kept after exactly ${BLOCK_BYTES} bytes, not ${block.length}`);
  const state = new Int32Array(SHA256_IV);
  compress(state, block, 0);
  return state;
}

/**
 * The SHA-256 digest of `prefix || data`, where `state` is the state after
 * `prefix` (`SHA256_IV` for none, or `stateAfter(prefix)`), written to `out`.
 * Nothing of `data` is left behind in the module's buffers.
 */
export function hashFrom<T extends Uint8Array>(
  state: Readonly<Int32Array>,
  prefixBytes: number,
  data: Uint8Array,
  out: T,
): T {
  S.set(state);
  const n = data.length;
  const whole = n - (n % BLOCK_BYTES);
  for (let at = 0; at < whole; at += BLOCK_BYTES) compress(S, data, at);
  const rest = n - whole;
  for (let i = 0; i < rest; i++) TAIL[i] = data[whole + i]!;
  TAIL[rest] = 0x80;
  const end = rest < BLOCK_BYTES - 8 ? BLOCK_BYTES : 2 * BLOCK_BYTES;
  const bits = (prefixBytes + n) * 8;
  const high = Math.floor(bits / 0x100000000);
  for (let i = 0; i < 4; i++) {
    TAIL[end - 8 + i] = high >>> (24 - 8 * i);
    TAIL[end - 4 + i] = bits >>> (24 - 8 * i);
  }
  compress(S, TAIL, 0);
  if (end > BLOCK_BYTES) compress(S, TAIL, BLOCK_BYTES);
  TAIL.fill(0);
  W.fill(0);
  for (let i = 0; i < 8; i++) {
    const word = S[i]!;
    out[4 * i] = word >>> 24;
    out[4 * i + 1] = word >>> 16;
    out[4 * i + 2] = word >>> 8;
    out[4 * i + 3] = word;
  }
  S.fill(0);
  return out;
}

export function sha256(data: Uint8Array): Buffer {
  return hashFrom(SHA256_IV, 0, data, Buffer.allocUnsafe(DIGEST_BYTES));
}

/** An HMAC-SHA256 key with its pads compressed once, for many messages. */
export interface HmacKey {
  inner: Int32Array;
  outer: Int32Array;
}

export function hmacKey(key: Uint8Array): HmacKey {
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(key.length > BLOCK_BYTES ? sha256(key) : key);
  for (let i = 0; i < BLOCK_BYTES; i++) block[i] = block[i]! ^ 0x36;
  const inner = stateAfter(block);
  for (let i = 0; i < BLOCK_BYTES; i++) block[i] = block[i]! ^ 0x36 ^ 0x5c;
  const outer = stateAfter(block);
  block.fill(0);
  return { inner, outer };
}

export function hmacSha256(key: Uint8Array | HmacKey, data: Uint8Array): Buffer {
  const k = key instanceof Uint8Array ? hmacKey(key) : key;
  const inner = hashFrom(k.inner, BLOCK_BYTES, data, Buffer.allocUnsafe(DIGEST_BYTES));
  return hashFrom(k.outer, BLOCK_BYTES, inner, inner);
}
