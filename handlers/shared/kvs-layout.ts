// The KeyValueStore's key names, shared by the publisher (kvs-digests.ts) and
// the CloudFront function, which must not pull node:crypto in with them.

/** names the version the store was published from: {"v", "n", "t"} */
export const META_KEY = 'basicauth:meta';
/** `u:<username>` holds that user's salted digests */
export const USER_KEY_PREFIX = 'u:';
/** `t:<token id>` holds a bypass token's salted digests (kvs-digests.ts) */
export const TOKEN_KEY_PREFIX = 't:';

/**
 * A bypass token's entry under `t:<id>` (kvs-digests.ts writes it, the function reads it): its name, salt,
 * the salted digests of the token and of its link's cookie, expiry, path expression, and the replaced value's.
 */
export interface TokenDigestEntry {
  n: string;
  s: string;
  d: string;
  c: string;
  e?: number;
  p?: string;
  pd?: string;
  pc?: string;
  pu?: number;
}
