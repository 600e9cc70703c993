// The KeyValueStore's key names, shared by the publisher (kvs-digests.ts) and
// the CloudFront function, which must not pull node:crypto in with them.

/** names the version the store was published from: {"v", "n", "t"} */
export const META_KEY = 'basicauth:meta';
/** `u:<username>` holds that user's salted digests */
export const USER_KEY_PREFIX = 'u:';
/** `t:<token id>` holds a bypass token's salted digests (kvs-digests.ts) */
export const TOKEN_KEY_PREFIX = 't:';
