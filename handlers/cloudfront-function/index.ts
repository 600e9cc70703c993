// The CloudFront Functions engine: a viewer-request function (runtime
// cloudfront-js-2.0) that checks Basic credentials against salted digests in
// the KeyValueStore associated with it (layout: handlers/shared/kvs-digests.ts).
// No network, no cold start, no password anywhere: the store holds
// HMAC-SHA256(salt, "user:password") per user, which the rotation function
// (or `basicauth sync`) publishes from Secrets Manager.
//
// The runtime is ES 5.1 plus a few later features: no classes, no for-of, no
// destructuring, no Set/Map, no async closures. The build (stacks/function-bundle.ts)
// refuses syntax outside that subset; the local runner refuses the rest.
// The decisions on bypass paths, the CIDR allowlist and CORS preflights are
// the Lambda@Edge engine's own modules; the 401 page is built at bundle time.

import cf from 'cloudfront';
// biome-ignore lint/style/useNodejsImportProtocol: the CloudFront Functions runtime's own module, not Node's
import crypto from 'crypto';
import { BASIC, MAX_AUTHORIZATION_LENGTH } from '../shared/basic-auth.js';
import { allowlistOf } from '../shared/cidr.js';
import { isPreflightRequest, preflight, type HeaderReader } from '../shared/cors.js';
import { bypassOf } from '../shared/path-patterns.js';
import { META_KEY, TOKEN_KEY_PREFIX, USER_KEY_PREFIX, type TokenDigestEntry } from '../shared/kvs-layout.js';
import {
  BYPASS_COOKIE,
  BYPASS_HEADER,
  BYPASS_PARAM,
  COOKIE_LABEL,
  COOKIE_MAC_HEX,
  COOKIE_PATTERN,
  cookieAttributes,
  linkTarget,
  TOKEN_PATTERN,
} from '../shared/token-layout.js';
import { ROBOTS_HEADER } from '../shared/robots.js';
import type {
  FunctionConfig,
  FunctionEvent,
  FunctionHeader,
  FunctionHeaders,
  FunctionRequest,
  FunctionResponse,
} from './types.js';

declare const __BASICAUTH_FUNCTION_CONFIG__: FunctionConfig;
// true or false, baked in with the config: a feature the settings leave off is left out of the code (10 KB)
declare const __BASICAUTH_USES_BYPASS__: boolean;
declare const __BASICAUTH_USES_CIDRS__: boolean;
declare const __BASICAUTH_USES_CORS__: boolean;

const config = __BASICAUTH_FUNCTION_CONFIG__;
const store = cf.kvs();
const isBypass = __BASICAUTH_USES_BYPASS__ ? bypassOf(config.bypass) : () => false;
const isAllowlisted = __BASICAUTH_USES_CIDRS__ ? allowlistOf(config.cidrs) : () => false;
// the salt of the HMAC computed when the user (or token id) is unknown, so that a miss costs what a hit costs
const NO_SALT = '0';

function reader(headers: FunctionHeaders): HeaderReader {
  return (name) => {
    const h = headers[name];
    if (!h) return undefined;
    if (h.multiValue) return h.multiValue.map((v) => v.value);
    return [h.value];
  };
}

function response(
  status: number,
  description: string,
  pairs: Array<[string, string]>,
  body?: string,
): FunctionResponse {
  const headers: FunctionHeaders = {};
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as [string, string];
    headers[pair[0].toLowerCase()] = { value: pair[1] };
  }
  const out: FunctionResponse = { statusCode: status, statusDescription: description, headers };
  if (body !== undefined) out.body = { encoding: 'text', data: body };
  return out;
}

function challenge(get: HeaderReader): FunctionResponse {
  const accept = (get('accept') || []).join(',');
  const html = accept.indexOf('text/html') !== -1;
  const pairs = config.challenge.headers.concat([
    ['Content-Type', html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8'],
  ]);
  return response(401, 'Unauthorized', pairs, html ? config.challenge.html : config.challenge.text);
}

function unavailable(): FunctionResponse {
  return response(
    503,
    'Service Unavailable',
    [
      ['Retry-After', String(config.retryAfterSeconds)],
      ['Cache-Control', 'no-store'],
      ['X-Robots-Tag', ROBOTS_HEADER],
      ['Content-Type', 'text/plain; charset=utf-8'],
    ],
    'Authentication is temporarily unavailable. Try again shortly.\n',
  );
}

/** `user:password` from one canonical Basic header, or undefined (the caller challenges). */
function credentials(values: string[] | undefined): { user: string; pair: string } | undefined {
  if (values?.length !== 1) return undefined;
  const value = (values as string[])[0] as string;
  if (value.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = BASIC.exec(value);
  if (!match) return undefined;
  const token = match[1] as string;
  if (token.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64') !== token) return undefined;
  const pair = bytes.toString('utf8');
  const colon = pair.indexOf(':');
  if (colon < 1) return undefined;
  return { user: pair.slice(0, colon), pair };
}

function digest(salt: string, pair: string): string {
  return crypto.createHmac('sha256', salt).update(pair).digest('hex');
}

/** Constant-time equality of two hex digests (the runtime has no timingSafeEqual). */
function same(a: string, b: unknown): boolean {
  if (typeof b !== 'string' || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

interface Entry {
  s?: unknown;
  d?: unknown;
  ps?: unknown;
  pd?: unknown;
  pu?: unknown;
}

async function entryOf(user: string): Promise<Entry | undefined> {
  let text: string;
  try {
    text = await store.get(USER_KEY_PREFIX + user);
  } catch (_missing) {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as Entry;
    return entry && typeof entry.s === 'string' && typeof entry.d === 'string' ? entry : undefined;
  } catch (_unusable) {
    return undefined;
  }
}

/**
 * A bypass token (`c` false) or a link's cookie (`c` true) against its entry
 * `t:<id>` (handlers/shared/kvs-digests.ts): the reason it fails, or the
 * entry and whether the replaced value matched. Both values are compared every time.
 */
async function tokenCheck(
  value: string,
  cookie: boolean,
  uri: string,
): Promise<{ reason: string; entry?: TokenDigestEntry; previous?: boolean }> {
  const match = (cookie ? COOKIE_PATTERN : TOKEN_PATTERN).exec(value);
  if (!match) return { reason: 'malformed-token' };
  let entry: TokenDigestEntry | undefined;
  try {
    entry = JSON.parse(await store.get(TOKEN_KEY_PREFIX + match[1])) as TokenDigestEntry;
  } catch (_absent) {
    entry = undefined;
  }
  const salt = entry && typeof entry.s === 'string' ? entry.s : NO_SALT;
  const mine = digest(salt, value);
  const current = same(mine, entry && (cookie ? entry.c : entry.d));
  const previous = same(mine, entry && (cookie ? entry.pc : entry.pd));
  if (!entry || !(current || (previous && (entry.pu as number) > Date.now()))) return { reason: 'wrong-token' };
  if (entry.e && entry.e <= Date.now()) return { reason: 'expired-token', entry };
  if (entry.p && !bypassOf(entry.p)(uri)) return { reason: 'token-path', entry };
  return { reason: '', entry, previous: !current };
}

async function handler(event: FunctionEvent): Promise<FunctionRequest | FunctionResponse> {
  const request = event.request;
  const get = reader(request.headers);
  let user: string | undefined;
  let token: string | undefined;
  /** The answer, after one log line saying what was decided and why (handlers/shared/log-line.ts). */
  function done<T>(result: T, outcome: string, reason: string, status?: number): T {
    const line: Record<string, unknown> = {
      level: 'info',
      source: 'basicauth-edge',
      event: 'decision',
      outcome,
      reason,
    };
    if (status) line.status = status;
    if (user !== undefined) line.user = user.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
    if (token !== undefined) line.token = token;
    line.ip = event.viewer.ip;
    line.method = request.method;
    line.path = request.uri;
    console.log(JSON.stringify(line));
    return result;
  }
  if (__BASICAUTH_USES_CORS__ && config.cors && isPreflightRequest(request.method, get)) {
    const answer = preflight(config.cors, get);
    const result = response(answer.status, answer.status === 204 ? 'No Content' : 'Forbidden', answer.headers);
    return done(result, answer.status === 204 ? 'allowed' : 'refused', 'cors-preflight', answer.status);
  }
  if (isBypass(request.uri)) return done(pass(request), 'allowed', 'bypass-path');
  if (isAllowlisted(event.viewer.ip)) return done(pass(request), 'allowed', 'allowlist');

  // A bypass token (header, or a link's parameter), else a link's cookie without Basic credentials, decides alone.
  const header = get(BYPASS_HEADER);
  const link = request.querystring[BYPASS_PARAM];
  const cookie = request.cookies[BYPASS_COOKIE];
  if (header || link || (cookie && !get('authorization'))) {
    const value = header
      ? header.length === 1
        ? (header[0] as string)
        : ''
      : link
        ? link.value
        : (cookie as FunctionHeader).value;
    const check = await tokenCheck(value, !header && !link, request.uri);
    token = check.entry?.n;
    if (check.reason) return done(challenge(get), 'refused', check.reason, 401);
    const entry = check.entry as TokenDigestEntry;
    if (header || !link)
      return done(pass(request), 'allowed', header ? (check.previous ? 'previous-token' : 'token') : 'token-cookie');
    let query = '';
    for (const key in request.querystring) {
      const q = request.querystring[key] as FunctionHeader;
      const list = q.multiValue ? q.multiValue.map((v) => v.value) : [q.value];
      for (let i = 0; key !== BYPASS_PARAM && i < list.length; i++)
        query += `${query ? '&' : ''}${encodeURIComponent(key)}=${encodeURIComponent(list[i] as string)}`;
    }
    const redirect = response(302, 'Found', [
      ['Location', linkTarget(request.uri, query)],
      ['Cache-Control', 'no-store'],
      ['Referrer-Policy', 'no-referrer'],
      ['X-Robots-Tag', ROBOTS_HEADER],
    ]);
    const mac = crypto.createHmac('sha256', value).update(COOKIE_LABEL).digest('hex').slice(0, COOKIE_MAC_HEX);
    const until = check.previous ? Math.min(entry.e || Infinity, entry.pu as number) : entry.e;
    redirect.cookies = {};
    redirect.cookies[BYPASS_COOKIE] = {
      value: `${value.slice(4, 16)}.${mac}`,
      attributes: cookieAttributes(until === Infinity ? undefined : until, Date.now()),
    } as FunctionHeader;
    return done(redirect, 'allowed', 'token-link', 302);
  }

  // A request without usable credentials gets the challenge without reading the store.
  const given = credentials(get('authorization'));
  if (!given) return done(challenge(get), 'refused', get('authorization') ? 'malformed' : 'missing', 401);
  user = given.user;
  const entry = await entryOf(given.user);
  let ok = false;
  let previous = false;
  if (entry) {
    ok = same(digest(entry.s as string, given.pair), entry.d);
    // Date.now() is the time the function started: a replaced password works until its grace ends
    if (!ok && typeof entry.ps === 'string' && typeof entry.pu === 'number' && entry.pu > Date.now()) {
      ok = same(digest(entry.ps, given.pair), entry.pd);
      previous = ok;
    }
  } else {
    same(digest(NO_SALT, given.pair), NO_SALT);
    // no user of that name; a store that holds nothing usable fails closed with a 503
    let published = false;
    try {
      published = await store.exists(META_KEY);
    } catch (_unreadable) {
      published = false;
    }
    if (!published) return done(unavailable(), 'unavailable', 'no-credential-known', 503);
  }
  if (!ok) return done(challenge(get), 'refused', 'wrong-credential', 401);
  return done(pass(request), 'allowed', previous ? 'previous-credential' : 'credential');
}

/** The request on to the origin: every allowed one, bypass and allowlist included, leaves its credentials here. */
function pass(request: FunctionRequest): FunctionRequest {
  if (config.stripAuthorization) delete request.headers.authorization;
  // a token never reaches the origin
  delete request.headers[BYPASS_HEADER];
  delete request.cookies[BYPASS_COOKIE];
  return request;
}

// The runtime calls the top-level `handler`; the build removes this export.
export { handler };
