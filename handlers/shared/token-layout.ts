// The names and shapes of bypass tokens that both engines read (bypass-tokens.ts
// has the design). Written in the subset the CloudFront Functions runtime runs.

/** the secret's JSON key for tokens */
export const TOKENS_KEY = 'bypassTokens';
/** header and query parameter that carry a token */
export const BYPASS_HEADER = 'x-basicauth-bypass';
export const BYPASS_PARAM = BYPASS_HEADER;
export const BYPASS_COOKIE = '__Host-basicauth-bypass';
/** what the cookie's MAC is of (its own name: one string less in the 10 KB function) */
export const COOKIE_LABEL = BYPASS_COOKIE;
/** a token's whole shape: anything else is refused before any lookup */
export const TOKEN_PATTERN = /^bat_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
/** a cookie's whole shape: the token's id, and the first 128 bits of its MAC in hex */
export const COOKIE_PATTERN = /^([0-9a-f]{12})\.([0-9a-f]{32})$/;
/** hex digits of the cookie's MAC kept (HMAC-SHA256 truncated to 128 bits, RFC 2104 section 5) */
export const COOKIE_MAC_HEX = 32;
/** where a token's secret part starts (after `bat_<id>_`): the Lambda@Edge engine digests only that part */
export const TOKEN_SECRET_OFFSET = 17;
/** a cookie never lives longer than this, whatever the token's expiry (the edge checks the token on every request anyway) */
export const COOKIE_MAX_AGE_SECONDS = 30 * 86_400;

/** The `Set-Cookie` attributes after the value: the cookie lives no longer than the token. */
export function cookieAttributes(expires: number | undefined, now: number): string {
  const left = expires === undefined ? COOKIE_MAX_AGE_SECONDS : Math.floor((expires - now) / 1000);
  return `Path=/; Max-Age=${Math.max(0, Math.min(COOKIE_MAX_AGE_SECONDS, left))}; HttpOnly; Secure; SameSite=Lax`;
}

/**
 * Where a token's link redirects: the same path on this site. A path that a
 * browser would read as another host (`//evil.example`, `/\\evil.example`)
 * goes to `/` instead: the link is never an open redirect.
 */
export function linkTarget(uri: string, query: string): string {
  const path = /^\/[\\/]/.test(uri) ? '/' : uri;
  return query ? `${path}?${query}` : path;
}
