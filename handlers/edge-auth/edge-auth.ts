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

export type Decision =
  | { allow: true; reason: 'credential' | 'previous-credential'; user: string }
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
  decide(request: CloudFrontRequest): Promise<Decision>;
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

  async function decide(request: CloudFrontRequest): Promise<Decision> {
    const headers = request.headers;
    if (config.cors && isPreflight(request.method, headers)) {
      const response = answerPreflight(config.cors, headers);
      return { allow: false, status: response.status === '204' ? 204 : 403, reason: 'cors-preflight', response };
    }
    if (typeof request.uri === 'string' && isBypassPath(request.uri)) return { allow: true, reason: 'bypass-path' };
    if (typeof request.clientIp === 'string' && isAllowlisted(request.clientIp))
      return { allow: true, reason: 'allowlist' };

    // A request without usable credentials gets the challenge without costing a fetch.
    const parsed = parseAuthorization(headerValues(headers, 'authorization'));
    if (!parsed.ok) return { allow: false, status: 401, reason: parsed.reason };
    const digest = credentialDigest(parsed.credentials);
    const user = userOf(parsed.credentials);

    const snapshot = await cache.get();
    if (!snapshot) return { allow: false, status: 503, reason: 'no-credential-known', user };
    const first = accepts(snapshot, digest, now());
    if (first) return { allow: true, reason: first === 'current' ? 'credential' : 'previous-credential', user };

    const refreshed = await cache.refreshAfterMiss(snapshot, digest);
    const second = refreshed && accepts(refreshed, digest, now());
    if (second) return { allow: true, reason: second === 'current' ? 'credential' : 'previous-credential', user };
    return { allow: false, status: 401, reason: 'wrong-credential', user };
  }

  async function handle(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> {
    const request = event?.Records?.[0]?.cf?.request;
    if (!request || typeof request !== 'object') {
      log({ event: 'request.invalid-event' });
      return challenge(undefined);
    }
    let decision: Decision;
    try {
      decision = await decide(request);
    } catch (error) {
      // Nothing above is expected to throw; if it does, fail closed.
      log({ event: 'request.error', error: describeError(error) });
      return unavailable(config.retryAfterSeconds);
    }
    log(decisionLine(decision, request, now()));
    if (!decision.allow) {
      if ('response' in decision) return decision.response;
      if (decision.status === 401) return challenge(request.headers);
      return unavailable(config.retryAfterSeconds);
    }
    if (config.stripAuthorization && request.headers) delete request.headers.authorization;
    return request;
  }

  return { decide, handle, prefetch: () => cache.prefetch() };
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
    outcome: d.allow || d.status === 204 ? 'allowed' : d.status === 503 ? 'unavailable' : 'refused',
    reason: d.reason,
    ip: request.clientIp,
    method: request.method,
    path: request.uri,
  };
  if (!d.allow) line.status = d.status;
  if ('user' in d && d.user !== undefined) line.user = d.user;
  return line;
}
