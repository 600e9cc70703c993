// The edge handler's configuration. Lambda@Edge has no environment variables,
// so the bundler validates this at build time and bakes the resolved object
// into the bundle through esbuild `define` (see stacks/bundle.ts). One schema
// (zod) checks it here and in basicauth.config.json's `edge` section, and
// gives the JSON Schema its ranges; the edge bundles import only the types.

import { z } from 'zod';
import { parseCidrOrUndefined } from '../shared/cidr.js';
import type { CorsConfig } from '../shared/cors.js';
import { DEFAULT_ACCESS_HINT } from '../shared/pages.js';
import { describeIssues } from '../shared/schema-issues.js';
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
  Partial<Omit<EdgeAuthConfig, 'cors'>> & {
    cors?: Pick<CorsConfig, 'allowOrigins' | 'allowMethods'> & Partial<CorsConfig>;
  };

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError';
}

// Printable ASCII without the characters a quoted-string would need to escape.
const REALM = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** A whole number in a range, said so whichever way it is wrong. */
const whole = (min: number, max: number) => {
  const error = `a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const text = (pattern: RegExp, error: string) => z.string({ error }).regex(pattern, { error });
const region = text(REGION_PATTERN, 'an AWS region such as eu-west-1');
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'a list' });

export const corsSchema = z
  .strictObject({
    allowOrigins: list(
      z.union([
        z.literal('*'),
        text(ORIGIN, 'an origin such as "https://app.example.com" (scheme, host, optional port; no path), or "*"'),
      ]),
    ).min(1, { error: 'at least one origin' }),
    allowMethods: list(z.enum(CORS_METHODS)).min(1, { error: 'at least one method' }),
    allowHeaders: list(z.union([z.literal('*'), text(TOKEN, 'a lowercase header name, or "*"')])).optional(),
    maxAgeSeconds: whole(0, 86_400).optional(),
    allowCredentials: z.boolean({ error: 'true or false' }).optional(),
  })
  .refine((c) => !(c.allowCredentials && c.allowOrigins.includes('*')), {
    error: 'no "*" with allowCredentials: browsers refuse it; list the origins',
    path: ['allowOrigins'],
  });

/** What basicauth.config.json's `edge` section may set (every field optional there; defaults in EDGE_AUTH_DEFAULTS). */
export const edgeSettingsSchema = z.strictObject({
  realm: text(REALM, 'printable ASCII without " or \\, 1-128 characters'),
  /** how to get access, on the 401 page */
  accessHint: text(/^[^\u0000-\u001f\u007f]{1,1000}$/, 'text of 1 to 1000 characters without control characters'),
  cacheTtlSeconds: whole(1, 86_400),
  // below 1 s, every wrong password of a flood would cost Secrets Manager calls
  refreshMinIntervalSeconds: whole(1, 3600),
  staleIfErrorSeconds: whole(0, 7 * 86_400),
  graceSeconds: whole(0, 30 * 86_400),
  bypassPaths: list(text(PATH_PATTERN, 'a path pattern starting with /')),
  allowCidrs: list(
    z
      .string({ error: 'a CIDR' })
      .refine((v) => parseCidrOrUndefined(v) !== undefined, { error: 'an IPv4 or IPv6 CIDR such as 203.0.113.0/24' }),
  ),
  /** CORS preflights answered at the edge (never forwarded: they carry no credentials) */
  cors: corsSchema,
  stripAuthorization: z.boolean({ error: 'true or false' }),
  /** edge region -> the secret region (home or a replica) it reads */
  regionOverrides: z.record(region, region, { error: 'an object of edge region -> secret region' }),
});

/** Everything the bundle bakes in: the settings, where the secret is, and the limits of one fetch. */
const edgeConfigSchema = edgeSettingsSchema.partial().extend({
  secretId: z
    .string({ error: 'a secret name or ARN' })
    .min(1, { error: 'a secret name or ARN' })
    .max(2048, { error: 'a secret name or ARN' }),
  secretRegion: region,
  replicaRegions: list(region).optional(),
  fetchTimeoutMs: whole(100, 4500).optional(),
  retryAfterSeconds: whole(1, 3600).optional(),
});

/** Validates the input and fills defaults. Errors name the field, the value and what is allowed. */
export function resolveEdgeAuthConfig(input: unknown): EdgeAuthConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new EdgeConfigError('edge config must be an object with at least secretId and secretRegion');
  }
  if ('corsPreflight' in input) {
    throw new EdgeConfigError(
      'edge config: corsPreflight is replaced by cors: preflights are answered at the edge from {"allowOrigins": [...], "allowMethods": [...], "allowHeaders": [...]}',
    );
  }
  const result = edgeConfigSchema.safeParse(input);
  if (!result.success)
    throw new EdgeConfigError(`edge config: ${describeIssues(result.error.issues, input).join('; ')}`);
  const c = {
    ...EDGE_AUTH_DEFAULTS,
    ...Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)),
  } as EdgeAuthConfig & { cors?: z.output<typeof corsSchema> };
  const secretRegions = new Set([c.secretRegion, ...c.replicaRegions]);
  for (const [edgeRegion, secretRegion] of Object.entries(c.regionOverrides)) {
    if (!secretRegions.has(secretRegion)) {
      throw new EdgeConfigError(
        `edge config: regionOverrides["${edgeRegion}"] must name the home region or a replica region (${[...secretRegions].join(', ')})`,
      );
    }
  }
  const cors: CorsConfig | undefined = c.cors && {
    allowOrigins: c.cors.allowOrigins,
    allowMethods: c.cors.allowMethods,
    allowHeaders: (c.cors.allowHeaders ?? []).map((h) => h.toLowerCase()),
    maxAgeSeconds: c.cors.maxAgeSeconds ?? 600,
    allowCredentials: c.cors.allowCredentials ?? false,
  };
  return { ...c, cors, replicaRegions: [...new Set(c.replicaRegions)].filter((r) => r !== c.secretRegion) };
}
