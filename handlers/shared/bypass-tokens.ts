// Bypass tokens: named, expiring, revocable credentials for machines (monitors,
// CI, webhooks), kept apart from people's passwords.
//
// A token is `bat_<id>_<secret>`: `id` (12 hex digits) is public and names the
// token's entry at the edge; `secret` is 32 random bytes (base64url). The
// secret's JSON value holds them under their own key, so the article's
// `{username, password}` form stays as it is:
//
//   "bypassTokens": {"monitor": {"id": "…", "token": "bat_…", "created": ISO, "expires": ISO,
//                                "paths": ["/api/*"], "previous": {"token": "bat_…", "until": ISO}}}
//
// A request presents one in the `x-basicauth-bypass` header, or once as the
// `?x-basicauth-bypass=` parameter: the edge answers that with a redirect to
// the same URL without it and a cookie (BYPASS_COOKIE) whose value is
// `<id>.<HMAC-SHA256(key = token, COOKIE_LABEL), its first 128 bits in hex>`. The cookie is not the
// token (it cannot be replayed as the header), cannot be made without the
// token, and is checked against the token's entry on every request: a revoked,
// rotated (past its grace) or expired token takes its cookies with it. It is
// `__Host-` prefixed (Secure, Path=/, no Domain: the browser sends it to this
// host only), and another site's edge has no entry that verifies it.
//
// Parsing is lenient per token: an entry that does not parse is skipped (and
// refused), never a reason to fail the users' passwords.

import { bypassSource } from './path-patterns.js';
import { USERNAME_RULE, usernameProblem } from './usernames.js';
import { BYPASS_COOKIE, BYPASS_PARAM, TOKEN_PATTERN, TOKENS_KEY } from './token-layout.js';

export * from './token-layout.js';

/** a token's name follows the rule for usernames: it appears in the same places (logs, the dashboard, a shell) */
export const TOKEN_NAME_RULE = USERNAME_RULE;
/** at most this many path patterns per token, each at most PATH_MAX characters (the store's 1 KB value) */
export const MAX_TOKEN_PATHS = 8;
export const MAX_TOKEN_PATH_LENGTH = 100;
export interface StoredToken {
  id: string;
  token: string;
  created: string;
  expires?: string;
  paths?: string[];
  previous?: { token: string; until: string };
}

/** A token as the edge and the CLI read it. */
export interface BypassToken {
  name: string;
  id: string;
  token: string;
  /** epoch ms */
  created: number;
  /** epoch ms; undefined: never */
  expires: number | undefined;
  paths: string[];
  /** the replaced value after `tokens rotate`, and until when (epoch ms) it still works */
  previous: { token: string; until: number } | undefined;
}

export const tokenNameProblem = (name: string): string | undefined => usernameProblem(name);

/** The public id of a token, or undefined when the text is not shaped like one. */
export function tokenIdOf(value: string): string | undefined {
  return TOKEN_PATTERN.exec(value)?.[1];
}

const time = (text: unknown): number | undefined => {
  if (typeof text !== 'string') return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
};

/** The tokens of a secret value (its parsed JSON object); entries that do not parse are left out. */
export function parseTokens(raw: Record<string, unknown>): Map<string, BypassToken> {
  const out = new Map<string, BypassToken>();
  const all = raw[TOKENS_KEY];
  if (all === null || typeof all !== 'object' || Array.isArray(all)) return out;
  for (const [name, entry] of Object.entries(all as Record<string, unknown>)) {
    const token = parseToken(name, entry);
    if (token) out.set(name, token);
  }
  return out;
}

function parseToken(name: string, entry: unknown): BypassToken | undefined {
  if (tokenNameProblem(name) || entry === null || typeof entry !== 'object') return undefined;
  const e = entry as Partial<StoredToken>;
  if (typeof e.token !== 'string' || tokenIdOf(e.token) === undefined || tokenIdOf(e.token) !== e.id) return undefined;
  const created = time(e.created);
  const expires = e.expires === undefined ? undefined : time(e.expires);
  if (created === undefined || (e.expires !== undefined && expires === undefined)) return undefined;
  const paths = e.paths ?? [];
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p.charAt(0) !== '/')) return undefined;
  let previous: BypassToken['previous'];
  if (e.previous && typeof e.previous.token === 'string' && tokenIdOf(e.previous.token) === e.id) {
    const until = time(e.previous.until);
    if (until !== undefined) previous = { token: e.previous.token, until };
  }
  return { name, id: e.id as string, token: e.token, created, expires, paths, previous };
}

/** The stored form of a token (what `tokens create|rotate` writes). */
export function storedToken(t: BypassToken): StoredToken {
  return {
    id: t.id,
    token: t.token,
    created: new Date(t.created).toISOString(),
    ...(t.expires !== undefined ? { expires: new Date(t.expires).toISOString() } : {}),
    ...(t.paths.length ? { paths: t.paths } : {}),
    ...(t.previous ? { previous: { token: t.previous.token, until: new Date(t.previous.until).toISOString() } } : {}),
  };
}

/** The anchored expression of a token's paths, or undefined when it is good everywhere. */
export const tokenPathSource = (paths: readonly string[]): string | undefined => bypassSource(paths);

const COOKIE_NAME = `${BYPASS_COOKIE}=`;

/** Where our cookie's name starts in a Cookie header (a pair's start: the header's, or after a ';'), or -1. */
function cookieAt(header: string, from = 0): number {
  for (let at = header.indexOf(COOKIE_NAME, from); at !== -1; at = header.indexOf(COOKIE_NAME, at + 1)) {
    let i = at - 1;
    while (i >= 0 && (header.charCodeAt(i) === 0x20 || header.charCodeAt(i) === 0x09)) i--;
    if (i < 0 || header.charCodeAt(i) === 0x3b) return at;
  }
  return -1;
}

/** The value of our cookie among a request's Cookie header values, or undefined (a hot path: no splitting). */
export function bypassCookieOf(values: readonly string[] | undefined): string | undefined {
  if (!values) return undefined;
  for (const header of values) {
    const at = cookieAt(header);
    if (at === -1) continue;
    const start = at + COOKIE_NAME.length;
    const end = header.indexOf(';', start);
    return (end === -1 ? header.slice(start) : header.slice(start, end)).trim();
  }
  return undefined;
}

/** A Cookie header value without our cookie ('' when nothing else is left). */
export function withoutBypassCookie(header: string): string {
  let out = header;
  for (let at = cookieAt(out); at !== -1; at = cookieAt(out)) {
    const end = out.indexOf(';', at);
    const rest = end === -1 ? '' : out.slice(end + 1).trimStart();
    const head = out.slice(0, at).trimEnd(); // '' or ending with ';'
    out = !rest ? (head.endsWith(';') ? head.slice(0, -1).trimEnd() : head) : head ? `${head} ${rest}` : rest;
  }
  return out;
}

/** The token in a raw query string (`a=1&x-basicauth-bypass=…`), and the query without it; undefined when absent. */
export function tokenInQuery(querystring: string): { token: string; rest: string } | undefined {
  if (querystring.indexOf(BYPASS_PARAM) === -1) return undefined;
  let token: string | undefined;
  const rest: string[] = [];
  for (const part of querystring.split('&')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (key === BYPASS_PARAM) token ??= decodeURIComponentSafe(eq === -1 ? '' : part.slice(eq + 1));
    else if (part !== '') rest.push(part);
  }
  return token === undefined ? undefined : { token, rest: rest.join('&') };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
