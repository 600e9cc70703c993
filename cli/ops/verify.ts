// `verify <url>`: the smoke test a CI pipeline runs against a protected site.

import { randomBytes } from 'node:crypto';
import { CliError } from '../errors.js';
import type { Emit } from '../events.js';
import { escapeXml as xml } from '../xml.js';

export interface UserPass {
  username: string;
  password: string;
}

export interface VerifyInput {
  url: string;
  current: UserPass;
  previous?: UserPass | undefined;
  expect: string;
  realm?: string | undefined;
  followRedirects: boolean;
  waitMs: number;
  requestTimeoutMs: number;
  retryDelayMs: number;
}

export interface Check {
  name: 'no credentials' | 'wrong credentials' | 'current credentials' | 'previous credentials';
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
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const tests = parts.map((part) => {
    let m = /^([1-5])xx$/i.exec(part);
    if (m) return (s: number) => Math.floor(s / 100) === Number(m![1]);
    m = /^(\d{3})-(\d{3})$/.exec(part);
    if (m) return (s: number) => s >= Number(m![1]) && s <= Number(m![2]);
    if (/^\d{3}$/.test(part)) return (s: number) => s === Number(part);
    throw new CliError(`--expect ${spec}: "${part}" is not a status`, { hint: 'use codes, ranges and classes such as 200, 301-308, 2xx,3xx' });
  });
  if (tests.length === 0) throw new CliError('--expect is empty', { hint: 'use for instance --expect 200 or --expect 2xx,3xx' });
  return (status) => tests.some((t) => t(status));
}

const CHALLENGE = /^\s*basic\s+(?:.*?\b)?realm="([^"]*)"/i;

async function request(url: string, credentials: UserPass | undefined, input: VerifyInput): Promise<{ status: number | undefined; headers: Headers | undefined; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      redirect: input.followRedirects ? 'follow' : 'manual',
      headers: credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}` } : {},
      signal: AbortSignal.timeout(input.requestTimeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, headers: res.headers, latencyMs: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { status: undefined, headers: undefined, latencyMs: performance.now() - started, error: `request failed (${cause})` };
  }
}

async function runChecks(input: VerifyInput): Promise<Check[]> {
  const expected = statusMatcher(input.expect);
  const checks: Check[] = [];
  const add = (name: Check['name'], r: Awaited<ReturnType<typeof request>>, reason: string | undefined) =>
    checks.push({ name, ok: reason === undefined, status: r.status, latencyMs: Math.round(r.latencyMs * 10) / 10, reason });

  const anonymous = await request(input.url, undefined, input);
  const challenge = anonymous.headers?.get('www-authenticate') ?? '';
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

  const wrong = await request(input.url, { username: input.current.username, password: randomBytes(18).toString('base64url') }, input);
  add('wrong credentials', wrong, wrong.error ?? (wrong.status !== 401 ? `got ${wrong.status} with a wrong password, expected 401` : undefined));

  const current = await request(input.url, input.current, input);
  add(
    'current credentials',
    current,
    current.error ?? (current.status === undefined || !expected(current.status) ? `got ${current.status} with the current password, expected ${input.expect}` : undefined),
  );

  if (input.previous) {
    const previous = await request(input.url, input.previous, input);
    add(
      'previous credentials',
      previous,
      previous.error ?? (previous.status !== 401 ? `got ${previous.status} with the previous password, expected 401 (still inside the grace period, or an edge has not refreshed yet)` : undefined),
    );
  }
  return checks;
}

export async function verifySite(input: VerifyInput, emit: Emit): Promise<VerifyResult> {
  try {
    new URL(input.url);
  } catch {
    throw new CliError(`${input.url} is not a URL`, { hint: 'pass the full URL, e.g. https://staging.example.com/' });
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
      emit({ type: 'log', level: 'info', message: `attempt ${attempt}: ${checks.filter((c) => !c.ok).map((c) => c.reason).join('; ')}; retrying for up to ${left} s` });
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
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new CliError(`${flag} ${text} is not a duration`, { hint: 'use e.g. 30s, 5m, 1h' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
