// The viewer-request decision, independent of how the secret is fetched.
// `createEdgeAuth` is built once per container (module scope in index.ts) and
// its `handle` runs per request.

import { parseAuthorization } from './basic-auth.js';
import { compileAllowlist } from './cidr.js';
import {
  headerValues,
  unauthorized,
  unavailable,
  type CloudFrontRequest,
  type CloudFrontRequestEvent,
  type CloudFrontRequestResult,
} from './cloudfront.js';
import type { EdgeAuthConfig } from './config.js';
import { compileBypass } from './path-patterns.js';
import { describeError, SecretCache, type CacheEvent, type FetchSecretVersion, type Snapshot } from './secret-cache.js';

export type Decision =
  | { allow: true; reason: 'credential' | 'previous-credential' | 'bypass-path' | 'allowlist' | 'cors-preflight' }
  | { allow: false; status: 401; reason: string }
  | { allow: false; status: 503; reason: 'no-credential-known' };

export type EdgeLogEvent =
  | CacheEvent
  | { event: 'request.unavailable' }
  | { event: 'request.invalid-event' }
  | { event: 'request.error'; error: string };

export interface EdgeAuthDeps {
  fetchVersion: FetchSecretVersion;
  now?: () => number;
  log?: (event: EdgeLogEvent) => void;
}

export interface EdgeAuth {
  decide(request: CloudFrontRequest): Promise<Decision>;
  handle(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult>;
}

export function createEdgeAuth(config: EdgeAuthConfig, deps: EdgeAuthDeps): EdgeAuth {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const cache = new SecretCache({
    ttlMs: config.cacheTtlSeconds * 1000,
    minRefreshMs: config.refreshMinIntervalSeconds * 1000,
    staleIfErrorMs: config.staleIfErrorSeconds * 1000,
    graceMs: config.graceSeconds * 1000,
    fetchVersion: deps.fetchVersion,
    now,
    log,
  });
  const isBypassPath = compileBypass(config.bypassPaths);
  const isAllowlisted = compileAllowlist(config.allowCidrs);

  function accepts(s: Snapshot, credentials: Uint8Array): Decision | undefined {
    if (s.current.matches(credentials)) return { allow: true, reason: 'credential' };
    if (s.previous && now() < s.previousUntil && s.previous.matches(credentials)) {
      return { allow: true, reason: 'previous-credential' };
    }
    return undefined;
  }

  async function decide(request: CloudFrontRequest): Promise<Decision> {
    const headers = request.headers;
    if (
      config.corsPreflight &&
      request.method === 'OPTIONS' &&
      headerValues(headers, 'origin') &&
      headerValues(headers, 'access-control-request-method')
    ) {
      return { allow: true, reason: 'cors-preflight' };
    }
    if (typeof request.uri === 'string' && isBypassPath(request.uri)) return { allow: true, reason: 'bypass-path' };
    if (typeof request.clientIp === 'string' && isAllowlisted(request.clientIp)) return { allow: true, reason: 'allowlist' };

    // A request without usable credentials gets the challenge without costing a fetch.
    const parsed = parseAuthorization(headerValues(headers, 'authorization'));
    if (!parsed.ok) return { allow: false, status: 401, reason: parsed.reason };

    const snapshot = await cache.get();
    if (!snapshot) return { allow: false, status: 503, reason: 'no-credential-known' };
    const first = accepts(snapshot, parsed.credentials);
    if (first) return first;

    const refreshed = await cache.refreshAfterMiss(snapshot);
    const second = refreshed && accepts(refreshed, parsed.credentials);
    return second || { allow: false, status: 401, reason: 'wrong-credential' };
  }

  async function handle(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> {
    const request = event?.Records?.[0]?.cf?.request;
    if (!request || typeof request !== 'object') {
      log({ event: 'request.invalid-event' });
      return unauthorized(config.realm);
    }
    let decision: Decision;
    try {
      decision = await decide(request);
    } catch (error) {
      // Nothing above is expected to throw; if it does, fail closed.
      log({ event: 'request.error', error: describeError(error) });
      return unavailable(config.retryAfterSeconds);
    }
    if (!decision.allow) {
      if (decision.status === 401) return unauthorized(config.realm);
      log({ event: 'request.unavailable' });
      return unavailable(config.retryAfterSeconds);
    }
    if (config.stripAuthorization && request.headers) delete request.headers.authorization;
    return request;
  }

  return { decide, handle };
}
