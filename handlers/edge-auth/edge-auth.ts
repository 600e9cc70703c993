// The viewer-request decision, independent of how the secret is fetched.
// `createEdgeAuth` is built once per container (module scope in index.ts) and
// its `handle` runs per request.

import { parseAuthorization } from '../shared/basic-auth.js';
import { loggableUser, type DecisionLine } from '../shared/log-line.js';
import { compileAllowlist } from '../shared/cidr.js';
import {
  headerValues,
  unavailable,
  type CloudFrontRequest,
  type CloudFrontRequestEvent,
  type CloudFrontRequestResult,
  type CloudFrontResultResponse,
} from './cloudfront.js';
import type { EdgeAuthConfig } from './config.js';
import { compileBypass } from '../shared/path-patterns.js';
import { challengeResponder } from '../shared/pages.js';
import { answerPreflight, isPreflight } from '../shared/cors.js';
import { credentialDigest } from './credential-matcher.js';
import { accepts, describeError, SecretCache, type CacheEvent, type SecretSource } from './secret-cache.js';
import {
  BYPASS_COOKIE,
  BYPASS_HEADER,
  BYPASS_PARAM,
  bypassCookieOf,
  COOKIE_PATTERN,
  cookieAttributes,
  linkTarget,
  tokenIdOf,
  tokenInQuery,
  withoutBypassCookie,
} from '../shared/bypass-tokens.js';
import { presentedDigest, type TokenKind } from './token-matcher.js';
import { ROBOTS_HEADER } from '../shared/robots.js';

type TokenRefusal = 'wrong-token' | 'expired-token' | 'token-path' | 'malformed-token';

export type Decision =
  | { allow: true; reason: 'credential' | 'previous-credential'; user: string }
  | { allow: true; reason: 'token' | 'previous-token' | 'token-cookie'; token: string }
  /** a token's link: a redirect without the parameter, setting the cookie */
  | { allow: false; status: 302; reason: 'token-link'; token: string; response: CloudFrontResultResponse }
  | { allow: false; status: 401; reason: TokenRefusal; token?: string }
  | { allow: true; reason: 'bypass-path' | 'allowlist' }
  | { allow: false; status: 401; reason: string; user?: string }
  | { allow: false; status: 503; reason: 'no-credential-known'; user?: string }
  /** a CORS preflight, answered here (never forwarded: it carries no credentials) */
  | { allow: false; status: 204 | 403; reason: 'cors-preflight'; response: CloudFrontResultResponse };

export type EdgeLogEvent =
  | CacheEvent
  | DecisionLine
  | { event: 'request.invalid-event' }
  | { event: 'request.error'; error: string };

export interface EdgeAuthDeps extends SecretSource {
  now?: () => number;
  log?: (event: EdgeLogEvent) => void;
}

export interface EdgeAuth {
  /** `at`: when the request arrived (epoch ms; default now): one clock read per request */
  decide(request: CloudFrontRequest, at?: number): Promise<Decision>;
  handle(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult>;
  /** starts fetching the secret before the first request needs it */
  prefetch(): void;
}

export function createEdgeAuth(config: EdgeAuthConfig, deps: EdgeAuthDeps): EdgeAuth {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const cache = new SecretCache({
    ttlMs: config.cacheTtlSeconds * 1000,
    minRefreshMs: config.refreshMinIntervalSeconds * 1000,
    staleIfErrorMs: config.staleIfErrorSeconds * 1000,
    graceMs: config.graceSeconds * 1000,
    loadBudgetMs: config.fetchTimeoutMs,
    fetchVersion: deps.fetchVersion,
    lastRotated: deps.lastRotated,
    now,
    log,
  });
  const isBypassPath = compileBypass(config.bypassPaths);
  const isAllowlisted = compileAllowlist(config.allowCidrs);
  const challenge = challengeResponder(config.realm, config.accessHint);

  async function decide(request: CloudFrontRequest, at = now()): Promise<Decision> {
    const headers = request.headers;
    if (config.cors && isPreflight(request.method, headers)) {
      const response = answerPreflight(config.cors, headers);
      return { allow: false, status: response.status === '204' ? 204 : 403, reason: 'cors-preflight', response };
    }
    if (typeof request.uri === 'string' && isBypassPath(request.uri)) return { allow: true, reason: 'bypass-path' };
    if (typeof request.clientIp === 'string' && isAllowlisted(request.clientIp))
      return { allow: true, reason: 'allowlist' };

    // A bypass token, when the request carries one, decides alone.
    const header = headers?.[BYPASS_HEADER];
    if (header !== undefined) {
      const values = headerValues(headers, BYPASS_HEADER) as string[];
      return byToken(values.length === 1 ? (values[0] as string) : '', 'header', request, at);
    }
    const query = request.querystring;
    if (typeof query === 'string' && query.indexOf(BYPASS_PARAM) !== -1) {
      const link = tokenInQuery(query);
      if (link) return byToken(link.token, 'header', request, at, link.rest);
    }

    // A request without usable credentials gets the challenge without costing a fetch.
    const parsed = parseAuthorization(headerValues(headers, 'authorization'));
    if (!parsed.ok) {
      // a browser that followed a token's link comes back with its cookie
      const cookie = parsed.reason === 'missing' && headers?.cookie && bypassCookieOf(headerValues(headers, 'cookie'));
      if (cookie) return byToken(cookie, 'cookie', request, at);
      return { allow: false, status: 401, reason: parsed.reason };
    }
    const digest = credentialDigest(parsed.credentials);
    const user = userOf(parsed.credentials);

    const snapshot = await cache.get(at);
    if (!snapshot) return { allow: false, status: 503, reason: 'no-credential-known', user };
    const first = accepts(snapshot, digest, at);
    if (first) return { allow: true, reason: first === 'current' ? 'credential' : 'previous-credential', user };

    const refreshed = await cache.refreshAfterMiss(snapshot, digest);
    const second = refreshed && accepts(refreshed, digest, now());
    if (second) return { allow: true, reason: second === 'current' ? 'credential' : 'previous-credential', user };
    return { allow: false, status: 401, reason: 'wrong-credential', user };
  }

  /**
   * A token (header or link) or a link's cookie. A match is trusted for
   * minRefresh at most (the cache revalidates an older snapshot), so that a
   * revocation stops it within that floor; a miss may refetch as a wrong
   * password does (a token created a moment ago).
   */
  async function byToken(
    value: string,
    kind: TokenKind,
    request: CloudFrontRequest,
    at: number,
    linkRest?: string,
  ): Promise<Decision> {
    const id = kind === 'cookie' ? COOKIE_PATTERN.exec(value)?.[1] : tokenIdOf(value);
    if (id === undefined) return { allow: false, status: 401, reason: 'malformed-token' };
    const digest = presentedDigest(value, kind);
    const uri = typeof request.uri === 'string' ? request.uri : '';
    const snapshot = await cache.get(at);
    if (!snapshot) return { allow: false, status: 503, reason: 'no-credential-known' };
    let verdict = snapshot.tokens.check(id, digest, kind, uri, at);
    if (verdict.ok && !cache.trusts(snapshot, at)) {
      const fresh = await cache.revalidate(snapshot);
      if (!fresh) return { allow: false, status: 503, reason: 'no-credential-known' };
      if (fresh !== snapshot) verdict = fresh.tokens.check(id, digest, kind, uri, now());
    } else if (!verdict.ok && verdict.reason === 'wrong-token' && verdict.name === undefined) {
      const refreshed = await cache.refreshAfterMiss(snapshot, digest);
      if (refreshed) verdict = refreshed.tokens.check(id, digest, kind, uri, now());
    }
    if (!verdict.ok) {
      return verdict.name === undefined
        ? { allow: false, status: 401, reason: verdict.reason }
        : { allow: false, status: 401, reason: verdict.reason, token: verdict.name };
    }
    if (linkRest !== undefined) {
      const location = linkTarget(uri, linkRest);
      const cookie = `${BYPASS_COOKIE}=${verdict.cookie}; ${cookieAttributes(verdict.until, now())}`;
      return {
        allow: false,
        status: 302,
        reason: 'token-link',
        token: verdict.name,
        response: linkRedirect(location, cookie),
      };
    }
    if (kind === 'cookie') return { allow: true, reason: 'token-cookie', token: verdict.name };
    return { allow: true, reason: verdict.previous ? 'previous-token' : 'token', token: verdict.name };
  }

  async function handle(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> {
    const request = event?.Records?.[0]?.cf?.request;
    if (!request || typeof request !== 'object') {
      log({ event: 'request.invalid-event' });
      return challenge(undefined);
    }
    const at = now();
    let decision: Decision;
    try {
      decision = await decide(request, at);
    } catch (error) {
      // Nothing above is expected to throw; if it does, fail closed.
      log({ event: 'request.error', error: describeError(error) });
      return unavailable(config.retryAfterSeconds);
    }
    log(decisionLine(decision, request, at));
    if (!decision.allow) {
      if ('response' in decision) return decision.response;
      if (decision.status === 401) return challenge(request.headers);
      return unavailable(config.retryAfterSeconds);
    }
    const headers = request.headers;
    if (headers) {
      if (config.stripAuthorization) delete headers.authorization;
      // a token never reaches the origin
      if (headers[BYPASS_HEADER] !== undefined) delete headers[BYPASS_HEADER];
      if (headers.cookie !== undefined) stripBypassCookie(headers);
    }
    return request;
  }

  return { decide, handle, prefetch: () => cache.prefetch() };
}

/** The redirect that answers a token's link: to the same URL without the token, setting the cookie. */
function linkRedirect(location: string, cookie: string): CloudFrontResultResponse {
  return {
    status: '302',
    statusDescription: 'Found',
    headers: {
      location: [{ key: 'Location', value: location }],
      'set-cookie': [{ key: 'Set-Cookie', value: cookie }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
      'referrer-policy': [{ key: 'Referrer-Policy', value: 'no-referrer' }],
      'x-robots-tag': [{ key: 'X-Robots-Tag', value: ROBOTS_HEADER }],
    },
    body: '',
  };
}

/** Our cookie out of the Cookie headers; a header left empty goes. */
function stripBypassCookie(headers: CloudFrontRequest['headers']): void {
  const list = headers.cookie;
  if (!Array.isArray(list)) return;
  let ours = false;
  for (const h of list) if (typeof h?.value === 'string' && h.value.indexOf(BYPASS_COOKIE) !== -1) ours = true;
  if (!ours) return;
  const kept = list
    .map((h) => ({ key: h.key ?? 'Cookie', value: withoutBypassCookie(String(h.value)) }))
    .filter((h) => h.value !== '');
  if (kept.length) headers.cookie = kept;
  else delete headers.cookie;
}

/** The username of `user:password` bytes (never the password), as a log line may carry it. */
function userOf(credentials: Uint8Array): string {
  // the usual case, a short ASCII name, a character at a time: no Buffer, no decoder
  let user = '';
  for (let i = 0; i < credentials.length && i <= 64; i++) {
    const byte = credentials[i] as number;
    if (byte === 0x3a) return user;
    if (byte < 0x20 || byte > 0x7e) break;
    user += String.fromCharCode(byte);
  }
  const colon = credentials.indexOf(0x3a);
  return loggableUser(Buffer.from(credentials.buffer, credentials.byteOffset, colon).toString('utf8'));
}

/** The log line of one decision (handlers/shared/log-line.ts): who, what, and why; never a credential. */
function decisionLine(d: Decision, request: CloudFrontRequest, time: number): DecisionLine {
  const line: DecisionLine = {
    event: 'decision',
    time,
    // a CORS preflight answered with 204 went as asked; one answered 403 was refused
    outcome: d.allow || d.status === 204 || d.status === 302 ? 'allowed' : d.status === 503 ? 'unavailable' : 'refused',
    reason: d.reason,
    ip: request.clientIp,
    method: request.method,
    path: request.uri,
  };
  if (!d.allow) line.status = d.status;
  if ('user' in d && d.user !== undefined) line.user = d.user;
  if ('token' in d && d.token !== undefined) line.token = d.token;
  return line;
}
