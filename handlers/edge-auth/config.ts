// The edge handler's configuration. Lambda@Edge has no environment variables,
// so the bundler validates this at build time and bakes the resolved object
// into the bundle through esbuild `define` (see stacks/bundle.ts).

import { parseCidrOrUndefined } from '../shared/cidr.js';
import type { CorsConfig } from '../shared/cors.js';
import { DEFAULT_ACCESS_HINT } from '../shared/pages.js';
import { PATH_PATTERN, REGION_PATTERN } from '../shared/patterns.js';

export interface EdgeAuthConfig {
  /** secret name or ARN */
  secretId: string;
  /** the secret's home region */
  secretRegion: string;
  /** regions holding a replica of the secret; the edge reads the nearest one */
  replicaRegions: string[];
  /** edge region -> secret region, overriding the nearest-region choice */
  regionOverrides: Record<string, string>;
  realm: string;
  /** how to get access, on the 401 page (plain text; `code` spans allowed) */
  accessHint: string;
  /** how long a fetched secret is trusted before it is refetched */
  cacheTtlSeconds: number;
  /** least time between two refetches caused by failed checks or failed fetches (at least 1 s) */
  refreshMinIntervalSeconds: number;
  /** how long past its TTL a cached secret may serve while refreshes fail */
  staleIfErrorSeconds: number;
  /** how long after a rotation the previous password is still accepted (0: never) */
  graceSeconds: number;
  /** CloudFront-style path patterns (`*` any run of characters, `?` one) that skip auth */
  bypassPaths: string[];
  /** IPv4/IPv6 CIDRs whose clients skip auth */
  allowCidrs: string[];
  /** answer CORS preflights (OPTIONS with Origin + Access-Control-Request-Method) at the edge; off when undefined */
  cors: CorsConfig | undefined;
  /** remove the Authorization header before the request reaches the origin */
  stripAuthorization: boolean;
  /** time limit on one Secrets Manager call */
  fetchTimeoutMs: number;
  /** Retry-After sent with the 503 when no credential is known */
  retryAfterSeconds: number;
}

export const EDGE_AUTH_DEFAULTS = {
  replicaRegions: [] as string[],
  regionOverrides: {} as Record<string, string>,
  realm: 'Restricted',
  accessHint: DEFAULT_ACCESS_HINT,
  cacheTtlSeconds: 300,
  refreshMinIntervalSeconds: 1,
  staleIfErrorSeconds: 3600,
  graceSeconds: 0,
  bypassPaths: [] as string[],
  allowCidrs: [] as string[],
  cors: undefined as CorsConfig | undefined,
  stripAuthorization: true,
  fetchTimeoutMs: 2000,
  retryAfterSeconds: 10,
} satisfies Partial<EdgeAuthConfig>;

export type EdgeAuthConfigInput = Pick<EdgeAuthConfig, 'secretId' | 'secretRegion'> &
  Partial<Omit<EdgeAuthConfig, 'cors'>> & { cors?: Pick<CorsConfig, 'allowOrigins' | 'allowMethods'> & Partial<CorsConfig> };

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError';
}

// Printable ASCII without the characters a quoted-string would need to escape.
const REALM = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/** Validates the input and fills defaults. Errors name the field, the value and what is allowed. */
export function resolveEdgeAuthConfig(input: unknown): EdgeAuthConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new EdgeConfigError('edge config must be an object with at least secretId and secretRegion');
  }
  const known = new Set<string>(['secretId', 'secretRegion', 'corsPreflight', ...Object.keys(EDGE_AUTH_DEFAULTS)]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new EdgeConfigError(`edge config: unknown field "${key}"; allowed: ${[...known].join(', ')}`);
  }
  const merged = { ...EDGE_AUTH_DEFAULTS, ...(input as Partial<EdgeAuthConfig>) };
  const c = merged as EdgeAuthConfig;

  requireString(c, 'secretId', (v) => v.length > 0 && v.length <= 2048, 'a secret name or ARN');
  requireString(c, 'secretRegion', (v) => REGION_PATTERN.test(v), 'an AWS region such as eu-west-1');
  requireString(c, 'realm', (v) => REALM.test(v), 'printable ASCII without " or \\, 1-128 characters');
  requireString(c, 'accessHint', (v) => v.length >= 1 && v.length <= 1000 && !/[\u0000-\u001f\u007f]/.test(v), 'text of 1 to 1000 characters without control characters');
  requireArray(c, 'replicaRegions', (v) => REGION_PATTERN.test(v), 'AWS regions');
  requireArray(c, 'bypassPaths', (v) => PATH_PATTERN.test(v), 'path patterns starting with /');
  requireArray(c, 'allowCidrs', (v) => parseCidrOrUndefined(v) !== undefined, 'IPv4 or IPv6 CIDRs such as 203.0.113.0/24');
  requireInt(c, 'cacheTtlSeconds', 1, 86_400);
  // below 1 s, every wrong password of a flood would cost Secrets Manager calls
  requireInt(c, 'refreshMinIntervalSeconds', 1, 3600);
  requireInt(c, 'staleIfErrorSeconds', 0, 7 * 86_400);
  requireInt(c, 'graceSeconds', 0, 30 * 86_400);
  requireInt(c, 'fetchTimeoutMs', 100, 4500);
  requireInt(c, 'retryAfterSeconds', 1, 3600);
  requireBoolean(c, 'stripAuthorization');
  if ('corsPreflight' in (input as object)) {
    throw new EdgeConfigError('edge config: corsPreflight is replaced by cors: preflights are answered at the edge from {"allowOrigins": [...], "allowMethods": [...], "allowHeaders": [...]}');
  }
  const cors = c.cors === undefined ? undefined : checkCors(c.cors);

  const overrides = c.regionOverrides;
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new EdgeConfigError('edge config: regionOverrides must be an object of edge region -> secret region');
  }
  const secretRegions = new Set([c.secretRegion, ...c.replicaRegions]);
  for (const [edgeRegion, secretRegion] of Object.entries(overrides)) {
    if (!REGION_PATTERN.test(edgeRegion) || typeof secretRegion !== 'string' || !secretRegions.has(secretRegion)) {
      throw new EdgeConfigError(`edge config: regionOverrides["${edgeRegion}"] must name the home region or a replica region (${[...secretRegions].join(', ')})`);
    }
  }
  const { corsPreflight: _removed, ...rest } = c as EdgeAuthConfig & { corsPreflight?: unknown };
  return {
    ...rest,
    cors,
    replicaRegions: [...new Set(c.replicaRegions)].filter((r) => r !== c.secretRegion),
  };
}

type Field<T> = { [K in keyof EdgeAuthConfig]: EdgeAuthConfig[K] extends T ? K : never }[keyof EdgeAuthConfig];

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function requireString(c: EdgeAuthConfig, key: Field<string>, ok: (v: string) => boolean, allowed: string): void {
  const v: unknown = c[key];
  if (typeof v !== 'string' || !ok(v)) throw new EdgeConfigError(`edge config: ${key} is ${describe(v)}; expected ${allowed}`);
}

function requireArray(c: EdgeAuthConfig, key: Field<string[]>, ok: (v: string) => boolean, allowed: string): void {
  const v: unknown = c[key];
  if (!Array.isArray(v)) throw new EdgeConfigError(`edge config: ${key} is ${describe(v)}; expected a list of ${allowed}`);
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || !ok(item)) {
      throw new EdgeConfigError(`edge config: ${key}[${i}] is ${describe(item)}; expected ${allowed}`);
    }
  });
}

function requireInt(c: EdgeAuthConfig, key: Field<number>, min: number, max: number): void {
  const v: unknown = c[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EdgeConfigError(`edge config: ${key} is ${describe(v)}; expected a whole number from ${min} to ${max}`);
  }
}

function requireBoolean(c: EdgeAuthConfig, key: Field<boolean>): void {
  const v: unknown = c[key];
  if (typeof v !== 'boolean') throw new EdgeConfigError(`edge config: ${key} is ${describe(v)}; expected true or false`);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function checkCors(cors: unknown): CorsConfig {
  const c = cors as Partial<CorsConfig> | null;
  const fail = (what: string) => {
    throw new EdgeConfigError(`edge config: cors.${what}`);
  };
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new EdgeConfigError('edge config: cors must be an object: {"allowOrigins": [...], "allowMethods": [...], "allowHeaders": [...]}');
  for (const key of Object.keys(c))
    if (!['allowOrigins', 'allowMethods', 'allowHeaders', 'maxAgeSeconds', 'allowCredentials'].includes(key))
      fail(`${key} is not a field; allowed: allowOrigins, allowMethods, allowHeaders, maxAgeSeconds, allowCredentials`);
  if (!Array.isArray(c.allowOrigins) || c.allowOrigins.length === 0 || !c.allowOrigins.every((o) => o === '*' || (typeof o === 'string' && ORIGIN.test(o)))) {
    fail(`allowOrigins is ${describe(c.allowOrigins)}; expected origins such as "https://app.example.com" (scheme, host, optional port; no path), or "*"`);
  }
  if (!Array.isArray(c.allowMethods) || c.allowMethods.length === 0 || !c.allowMethods.every((m) => METHODS.includes(m)))
    fail(`allowMethods is ${describe(c.allowMethods)}; expected some of ${METHODS.join(', ')}`);
  if (c.allowHeaders !== undefined && (!Array.isArray(c.allowHeaders) || !c.allowHeaders.every((h) => h === '*' || (typeof h === 'string' && TOKEN.test(h)))))
    fail(`allowHeaders is ${describe(c.allowHeaders)}; expected lowercase header names, or "*"`);
  if (c.maxAgeSeconds !== undefined && (!Number.isInteger(c.maxAgeSeconds) || c.maxAgeSeconds < 0 || c.maxAgeSeconds > 86_400))
    fail(`maxAgeSeconds is ${describe(c.maxAgeSeconds)}; expected a whole number from 0 to 86400`);
  if (c.allowCredentials !== undefined && typeof c.allowCredentials !== 'boolean') fail(`allowCredentials is ${describe(c.allowCredentials)}; expected true or false`);
  const allowOrigins = c.allowOrigins as string[];
  if (c.allowCredentials && allowOrigins.includes('*')) fail('allowOrigins may not be "*" with allowCredentials: browsers refuse it; list the origins');
  return {
    allowOrigins,
    allowMethods: c.allowMethods as string[],
    allowHeaders: (c.allowHeaders ?? []).map((h) => h.toLowerCase()),
    maxAgeSeconds: c.maxAgeSeconds ?? 600,
    allowCredentials: c.allowCredentials ?? false,
  };
}
