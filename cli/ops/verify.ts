// `verify <url>`: the smoke test a CI pipeline runs against a protected site.

import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import { escapeXml as xml } from '../core/xml.js';
import { BYPASS_COOKIE, BYPASS_HEADER, BYPASS_PARAM } from '../../handlers/shared/token-layout.js';

export interface UserPass {
  username: string;
  password: string;
}

export interface VerifyInput {
  url: string;
  /** the Basic credentials to check (undefined with a token: the token's checks run instead) */
  current: UserPass | undefined;
  /** a bypass token to check instead of a password */
  token?: string | undefined;
  /** the site may be indexed (distribution.noindex false, --allow-indexing): no X-Robots-Tag check */
  indexable?: boolean;
  previous?: UserPass | undefined;
  expect: string;
  realm?: string | undefined;
  followRedirects: boolean;
  waitMs: number;
  requestTimeoutMs: number;
  retryDelayMs: number;
}

export interface Check {
  name:
    | 'no credentials'
    | 'wrong credentials'
    | 'current credentials'
    | 'previous credentials'
    | 'wrong token'
    | 'token'
    | 'token link'
    | 'token cookie'
    | 'search engines';
  ok: boolean;
  status: number | undefined;
  latencyMs: number;
  reason: string | undefined;
}

export interface VerifyResult {
  ok: boolean;
  url: string;
  checks: Check[];
  attempts: number;
  elapsedMs: number;
}

/** "200", "2xx,3xx", "200,204,301-308" -> a status test. */
export function statusMatcher(spec: string): (status: number) => boolean {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const tests = parts.map((part) => {
    let m = /^([1-5])xx$/i.exec(part);
    if (m) return (s: number) => Math.floor(s / 100) === Number(m![1]);
    m = /^(\d{3})-(\d{3})$/.exec(part);
    if (m) return (s: number) => s >= Number(m![1]) && s <= Number(m![2]);
    if (/^\d{3}$/.test(part)) return (s: number) => s === Number(part);
    throw new UsageError(
      `--expect ${spec}: "${part}" is not a status`,
      'use codes, ranges and classes such as 200, 301-308, 2xx,3xx',
    );
  });
  if (tests.length === 0)
    throw new UsageError('--expect is empty', 'use for instance --expect 200 or --expect 2xx,3xx');
  return (status) => tests.some((t) => t(status));
}

const CHALLENGE = /^\s*basic\s+(?:.*?\b)?realm="([^"]*)"/i;

interface Answer {
  status: number | undefined;
  /** the first WWW-Authenticate header, if any */
  challenge: string | undefined;
  /** the headers a token link and the noindex check are judged by */
  robots?: string | undefined;
  location?: string | undefined;
  setCookie?: string[] | undefined;
  latencyMs: number;
  error?: string;
}

/** What a request carries: Basic credentials, or headers of its own (a token, a cookie). */
type Credentials = UserPass | { headers: Record<string, string> } | undefined;

const MAX_REDIRECTS = 10;

/**
 * One GET with node:http(s) (not fetch: that loads undici, ~40 ms of a
 * 0.2 s command), following redirects when asked, and a failure named by its
 * cause: refused, DNS, TLS, timeout, reset.
 */
async function request(
  url: string,
  credentials: Credentials,
  input: Pick<VerifyInput, 'followRedirects' | 'requestTimeoutMs'>,
): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { 'user-agent': 'basicauth-verify', accept: '*/*' };
  if (credentials && 'headers' in credentials) Object.assign(headers, credentials.headers);
  else if (credentials)
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  let current = new URL(url);
  try {
    for (let hops = 0; ; hops++) {
      const answer = await get(current, headers, input.requestTimeoutMs);
      const location = answer.location;
      if (!input.followRedirects || !location || ![301, 302, 303, 307, 308].includes(answer.status)) {
        return { ...answer, latencyMs: performance.now() - started };
      }
      if (hops >= MAX_REDIRECTS)
        return {
          status: answer.status,
          challenge: undefined,
          latencyMs: performance.now() - started,
          error: `more than ${MAX_REDIRECTS} redirects`,
        };
      const next = new URL(location, current);
      // as browsers and fetch do: credentials are not carried to another origin
      if (next.origin !== current.origin) {
        delete headers.authorization;
        delete headers[BYPASS_HEADER];
        delete headers.cookie;
      }
      current = next;
    }
  } catch (error) {
    return {
      status: undefined,
      challenge: undefined,
      latencyMs: performance.now() - started,
      error: describeRequestError(error, current),
    };
  }
}

async function get(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{
  status: number;
  challenge: string | undefined;
  location: string | undefined;
  robots: string | undefined;
  setCookie: string[] | undefined;
}> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw Object.assign(new Error(url.protocol), { code: 'UNSUPPORTED_SCHEME' });
  const { request: send } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers }, (res) => {
      res.resume(); // the body is not judged, only the status and the challenge
      res.on('end', () => {
        const challenge = res.headers['www-authenticate'];
        const robots = res.headers['x-robots-tag'];
        resolve({
          status: res.statusCode ?? 0,
          challenge: Array.isArray(challenge) ? challenge[0] : challenge,
          location: res.headers.location,
          robots: Array.isArray(robots) ? robots.join(', ') : robots,
          setCookie: res.headers['set-cookie'],
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'REQUEST_TIMEOUT', timeoutMs })),
    );
    req.on('error', reject);
    req.end();
  });
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/;

/** The cause of a failed request, in words a user can act on (never a credential: only the URL's origin). */
export function describeRequestError(error: unknown, url: URL): string {
  const e = error as { code?: string; message?: string; timeoutMs?: number };
  const where = url.host;
  switch (e.code) {
    case 'UNSUPPORTED_SCHEME':
      return `unsupported scheme ${url.protocol} (verify speaks http:// and https://)`;
    case 'ECONNREFUSED':
      return `connection refused by ${where}: nothing listens there`;
    case 'ENOTFOUND':
      return `DNS: no such host ${url.hostname}`;
    case 'EAI_AGAIN':
      return `DNS: could not resolve ${url.hostname} (no network?)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset by ${where}`;
    case 'ETIMEDOUT':
    case 'REQUEST_TIMEOUT':
      return `no answer from ${where} within ${Math.round((e.timeoutMs ?? 10_000) / 1000)} s`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `network unreachable for ${where}`;
    default:
      if (e.code && TLS_CODES.test(e.code)) return `TLS: ${e.code} from ${where}${e.message ? ` (${e.message})` : ''}`;
      return `request to ${where} failed: ${e.code ?? e.message ?? String(error)}`;
  }
}

async function runChecks(input: VerifyInput): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: Check['name'], r: Awaited<ReturnType<typeof request>>, reason: string | undefined) =>
    checks.push({
      name,
      ok: reason === undefined,
      status: r.status,
      latencyMs: Math.round(r.latencyMs * 10) / 10,
      reason,
    });

  const anonymous = await request(input.url, undefined, input);
  const challenge = anonymous.challenge ?? '';
  const realm = CHALLENGE.exec(challenge)?.[1];
  add(
    'no credentials',
    anonymous,
    anonymous.error ??
      (anonymous.status !== 401
        ? `got ${anonymous.status}, expected 401: the site is not protected`
        : realm === undefined
          ? `401 without a Basic challenge (WWW-Authenticate: ${challenge || 'missing'})`
          : input.realm !== undefined && realm !== input.realm
            ? `realm is "${realm}", expected "${input.realm}"`
            : undefined),
  );

  const passed = input.token === undefined ? await passwordChecks(input, add) : await tokenChecks(input, add);
  if (passed && !input.indexable) {
    const robots = passed.robots ?? '';
    add(
      'search engines',
      passed,
      /\bnoindex\b/i.test(robots)
        ? undefined
        : `no "X-Robots-Tag: noindex" on the answer (${robots ? `X-Robots-Tag: ${robots}` : 'none'}): search engines may index this site (distribution.noindex, on by default, adds it; --allow-indexing if that is intended)`,
    );
  }
  return checks;
}

type AddCheck = (name: Check['name'], r: Answer, reason: string | undefined) => void;

/** A wrong password refused, the current one accepted (and the previous one refused, when asked); the accepted answer. */
async function passwordChecks(input: VerifyInput, add: AddCheck): Promise<Answer | undefined> {
  const expected = statusMatcher(input.expect);
  const credentials = input.current as UserPass;
  const wrong = await request(
    input.url,
    { username: credentials.username, password: randomBytes(18).toString('base64url') },
    input,
  );
  add(
    'wrong credentials',
    wrong,
    wrong.error ?? (wrong.status !== 401 ? `got ${wrong.status} with a wrong password, expected 401` : undefined),
  );

  const current = await request(input.url, credentials, input);
  const currentReason =
    current.error ??
    (current.status === undefined || !expected(current.status)
      ? `got ${current.status} with the current password, expected ${input.expect}`
      : undefined);
  add('current credentials', current, currentReason);

  if (input.previous) {
    const previous = await request(input.url, input.previous, input);
    add(
      'previous credentials',
      previous,
      previous.error ??
        (previous.status !== 401
          ? `got ${previous.status} with the previous password, expected 401 (still inside the grace period, or an edge has not refreshed yet)`
          : undefined),
    );
  }
  return currentReason === undefined ? current : undefined;
}

/**
 * A made-up token refused; the token accepted in the header; its link answered
 * with a redirect without it and a `__Host-` cookie; the cookie accepted. With
 * --expect 401 (a revoked token), the header and the link must be refused.
 */
async function tokenChecks(input: VerifyInput, add: AddCheck): Promise<Answer | undefined> {
  const expected = statusMatcher(input.expect);
  const token = input.token as string;
  const refusedExpected = expected(401);
  const made = `bat_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
  const wrong = await request(input.url, { headers: { [BYPASS_HEADER]: made } }, input);
  add(
    'wrong token',
    wrong,
    wrong.error ?? (wrong.status !== 401 ? `got ${wrong.status} with a made-up token, expected 401` : undefined),
  );

  const header = await request(input.url, { headers: { [BYPASS_HEADER]: token } }, input);
  const headerReason =
    header.error ??
    (header.status === undefined || !expected(header.status)
      ? `got ${header.status} with the token, expected ${input.expect}${header.status === 401 ? ' (revoked, expired, not for this path, or for another site)' : ''}`
      : undefined);
  add('token', header, headerReason);

  const link = new URL(input.url);
  link.searchParams.append(BYPASS_PARAM, token);
  const linked = await request(link.toString(), undefined, { ...input, followRedirects: false });
  if (refusedExpected) {
    add(
      'token link',
      linked,
      linked.error ?? (linked.status !== 401 ? `got ${linked.status} for the token's link, expected 401` : undefined),
    );
    return headerReason === undefined ? header : undefined;
  }
  const cookie = linked.setCookie?.find((c) => c.startsWith(`${BYPASS_COOKIE}=`));
  const attributes = (cookie ?? '').toLowerCase();
  add(
    'token link',
    linked,
    linked.error ??
      (linked.status !== 302
        ? `got ${linked.status} for the token's link, expected 302`
        : !cookie
          ? `the link's redirect set no ${BYPASS_COOKIE} cookie`
          : !['httponly', 'secure', 'samesite=lax', 'path=/'].every((a) => attributes.includes(a))
            ? 'the cookie lacks one of HttpOnly, Secure, SameSite=Lax, Path=/'
            : (linked.location ?? '').includes(BYPASS_PARAM)
              ? 'the redirect keeps the token in its Location'
              : undefined),
  );
  if (cookie) {
    const withCookie = await request(input.url, { headers: { cookie: cookie.split(';')[0] as string } }, input);
    add(
      'token cookie',
      withCookie,
      withCookie.error ??
        (withCookie.status === undefined || !expected(withCookie.status)
          ? `got ${withCookie.status} with the link's cookie, expected ${input.expect}`
          : undefined),
    );
  }
  return headerReason === undefined ? header : undefined;
}

export async function verifySite(input: VerifyInput, emit: Emit): Promise<VerifyResult> {
  try {
    new URL(input.url);
  } catch {
    throw new UsageError(`${input.url} is not a URL`, 'pass the full URL, e.g. https://staging.example.com/');
  }
  statusMatcher(input.expect);
  const started = performance.now();
  const deadline = started + input.waitMs;
  let lastReport = started;
  for (let attempt = 1; ; attempt++) {
    const checks = await runChecks(input);
    const ok = checks.every((c) => c.ok);
    if (ok || performance.now() + input.retryDelayMs > deadline) {
      return { ok, url: input.url, checks, attempts: attempt, elapsedMs: Math.round(performance.now() - started) };
    }
    // one line when it starts failing, then one every 10 s: no spam in CI logs
    if (attempt === 1 || performance.now() - lastReport >= 10_000) {
      lastReport = performance.now();
      const left = Math.max(0, Math.round((deadline - lastReport) / 1000));
      emit({
        type: 'log',
        level: 'info',
        message: `attempt ${attempt}: ${checks
          .filter((c) => !c.ok)
          .map((c) => c.reason)
          .join('; ')}; retrying for up to ${left} s`,
      });
    }
    await new Promise((r) => setTimeout(r, input.retryDelayMs));
  }
}

export function junitXml(result: VerifyResult): string {
  const failures = result.checks.filter((c) => !c.ok).length;
  const cases = result.checks
    .map((c) => {
      const body = c.ok ? '' : `<failure message="${xml(c.reason ?? 'failed')}">${xml(c.reason ?? '')}</failure>`;
      return `  <testcase classname="basicauth.verify" name="${xml(c.name)}" time="${(c.latencyMs / 1000).toFixed(3)}">${body}</testcase>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="basicauth verify ${xml(result.url)}" tests="${result.checks.length}" failures="${failures}" errors="0" time="${(result.elapsedMs / 1000).toFixed(3)}">\n${cases}\n</testsuite>\n`;
}

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text} is not a duration`, 'use e.g. 30s, 5m, 1h, 2d');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    (m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  const ms = Number(m[1]) * unit;
  if (ms < 1) throw new UsageError(`${flag} ${text} is no time at all`, `give it a length, e.g. ${flag} 30s`);
  return ms;
}
