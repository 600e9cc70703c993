// basicauth.config.json: the schema (zod, strict), loading with errors that
// name the field, the value and what is allowed, and the mapping to what the
// handlers and stacks need.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  EDGE_AUTH_DEFAULTS,
  EdgeConfigError,
  edgeSettingsSchema,
  resolveEdgeAuthConfig,
  type EdgeAuthConfig,
} from '../../handlers/edge-auth/config.js';
import { describeIssues } from '../../handlers/shared/schema-issues.js';
import { DEFAULT_EXCLUDE_CHARACTERS, WEBHOOK_SECRET_ARN } from '../../handlers/rotate/settings.js';
import { checkRotationRules, ScheduleError } from '../../handlers/shared/schedule.js';
import {
  PATH_PATTERN,
  REGION_PATTERN,
  RESOURCE_NAME_PATTERN,
  RESOURCE_NAME_RULE,
} from '../../handlers/shared/patterns.js';
import { encodeUsernames, usernameProblem, USERNAME_RULE } from '../../handlers/shared/usernames.js';
import { CliError } from '../core/errors.js';
import { DEFAULT_ENGINE, EDGE_ENGINES, STACK_ENGINES, type EdgeEngineName } from '../../stacks/engines/index.js';

export { EDGE_ENGINES, type EdgeEngineName };

import { CONFIG_FILE, LOG_RETENTION_DAYS } from './constants.js';

export { CONFIG_FILE };
/** How long a destroyed secret can be restored by the next deploy (Secrets Manager's minimum window). */
export const RECOVERY_WINDOW_DAYS = 7;

const region = z.string().regex(REGION_PATTERN, 'an AWS region such as eu-west-1');
const pathPattern = z.string().regex(PATH_PATTERN, 'a path pattern starting with /');
const username = z.string().refine((v) => usernameProblem(v) === undefined, { message: USERNAME_RULE });

const customOrigin = z.strictObject({
  type: z.literal('custom'),
  domainName: z.string().regex(/^[a-z0-9.-]+$/i, 'a host name such as app.example.com'),
  protocol: z.enum(['https-only', 'http-only', 'match-viewer']).default('https-only'),
  httpPort: z.number().int().min(1).max(65535).default(80),
  httpsPort: z.number().int().min(1).max(65535).default(443),
  originPath: z
    .string()
    .regex(/^(\/[^/].*[^/])?$/, 'empty, or a path like /app without a trailing slash')
    .default(''),
});
const s3Origin = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  bucketRegion: region,
  originPath: z
    .string()
    .regex(/^(\/[^/].*[^/])?$/, 'empty, or a path like /site without a trailing slash')
    .default(''),
});

const distribution = z.discriminatedUnion('mode', [
  z
    .strictObject({
      mode: z.literal('create'),
      origin: z.discriminatedUnion('type', [customOrigin, s3Origin]),
      /** behaviors (besides the default one) that get the function too */
      pathPatterns: z.array(pathPattern).default([]),
      /** default: the cheapest class with edge locations in the home region's part of the world (stacks/price-class.ts) */
      priceClass: z.enum(['PriceClass_All', 'PriceClass_200', 'PriceClass_100']).optional(),
      comment: z.string().max(128).optional(),
      /** a response headers policy adds `X-Robots-Tag: noindex, nofollow` to every answer: staging stays out of search engines */
      noindex: z.boolean().default(true),
      /** your own host names; they need an ACM certificate (us-east-1), which also raises the minimum TLS version */
      aliases: z
        .array(z.string().regex(/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/i, 'a host name such as staging.example.com'))
        .default([]),
      certificateArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/,
          'an ACM certificate ARN in us-east-1 (CloudFront reads certificates there only)',
        )
        .optional(),
      minimumProtocolVersion: z.enum(['TLSv1.2_2021', 'TLSv1.2_2019', 'TLSv1.2_2018']).default('TLSv1.2_2021'),
    })
    .refine((d) => d.aliases.length > 0 === (d.certificateArn !== undefined), {
      message:
        'aliases and certificateArn go together: CloudFront serves your host names only with a certificate for them',
      path: ['certificateArn'],
    }),
  z.strictObject({
    mode: z.literal('attach'),
    distributionId: z.string().regex(/^E[A-Z0-9]{7,20}$/, 'a CloudFront distribution id such as E2QWRUHAPOMQZL'),
    /** every behavior gets the function except these, named on purpose ('*' is the default behavior) */
    leaveUnprotected: z.array(z.union([z.literal('*'), pathPattern])).default([]),
    /** also put a response headers policy adding `X-Robots-Tag: noindex, nofollow` on the protected behaviors that have none (init asks) */
    noindex: z.boolean().default(false),
  }),
]);

const backend = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local'), path: z.string().min(1).default('.basicauth/terraform.tfstate') }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3),
    key: z.string().min(1).default('basicauth/terraform.tfstate'),
    region,
    /** S3 native locking (Terraform >= 1.10); set dynamodbTable for older setups */
    useLockfile: z.boolean().default(true),
    dynamodbTable: z.string().optional(),
  }),
]);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  /** prefix of every resource name */
  name: z.string().regex(RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE),
  /** home region: the secret and the rotation function */
  region,
  secret: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager name (letters, digits, /_+=.@-)')
        .optional(),
      usernames: z.array(username).min(1).default(['admin']),
      passwordLength: z.number().int().min(12).max(4096).default(32),
      excludeCharacters: z.string().default(DEFAULT_EXCLUDE_CHARACTERS),
      replicaRegions: z.array(region).default([]),
      // an ARN: IAM policies name the key by it
      kmsKeyId: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/,
          'a KMS key ARN (arn:aws:kms:region:account:key/id)',
        )
        .optional(),
      /** days a destroyed secret stays recoverable (and keeps its name); 0 deletes it at once */
      recoveryWindowDays: z
        .number()
        .int()
        .refine((d) => d === 0 || (d >= 7 && d <= 30), { message: '0 (delete at once) or 7 to 30 days' })
        .default(RECOVERY_WINDOW_DAYS),
    })
    .default({
      usernames: ['admin'],
      passwordLength: 32,
      excludeCharacters: DEFAULT_EXCLUDE_CHARACTERS,
      replicaRegions: [],
      recoveryWindowDays: RECOVERY_WINDOW_DAYS,
    }),
  rotation: z
    .strictObject({
      days: z.number().int().min(1).max(1000).optional(),
      schedule: z
        .string()
        .regex(/^(rate|cron)\(.+\)$/, 'rate(N days|hours) or cron(...)')
        .optional(),
      window: z
        .string()
        .regex(/^([1-9]|1\d|2[0-4])h$/, 'a duration from 1h to 24h')
        .optional(),
    })
    .refine((r) => !(r.days && r.schedule), { message: 'set days or schedule, not both' })
    .default({ days: 30 }),
  edge: edgeSettingsSchema
    .partial()
    .extend({
      /** which edge engine checks credentials: Lambda@Edge reading Secrets Manager, or a CloudFront function reading digests from a KeyValueStore */
      engine: z.enum(EDGE_ENGINES).optional(),
    })
    .default({}),
  notifications: z
    .strictObject({
      /** a Secrets Manager secret holding the webhook URL (a credential: never in the config, Terraform or the Lambda environment) */
      webhookSecretArn: z
        .string()
        .regex(WEBHOOK_SECRET_ARN, 'the ARN of a Secrets Manager secret holding the webhook URL')
        .optional(),
      siteUrl: z.url().optional(),
    })
    .default({}),
  logs: z
    .strictObject({
      /** days CloudWatch Logs keeps the edge's lines, in every region's group: deploy sets it on those that exist, `logs --retention` too */
      retentionDays: z.literal(LOG_RETENTION_DAYS).default(30),
    })
    .default({ retentionDays: 30 }),
  tags: z.record(z.string().regex(/^[\w .:/=+@-]{1,128}$/), z.string().max(256)).default({}),
  distribution,
  backend: backend.default({ type: 'local', path: '.basicauth/terraform.tfstate' }),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates a parsed config; the error lists every problem, each naming field, value and what is allowed. */
export function parseConfig(input: unknown, source = CONFIG_FILE): Config {
  const dist = (input as { distribution?: { mode?: unknown; pathPatterns?: unknown } } | undefined)?.distribution;
  if ((input as { notifications?: { webhookUrl?: unknown } } | undefined)?.notifications?.webhookUrl !== undefined) {
    throw new CliError(
      `${source} is invalid: notifications.webhookUrl is a credential and may not sit in the config, the Terraform state or the Lambda environment`,
      {
        hint: 'store it in a secret (aws secretsmanager create-secret --name basicauth/webhook --secret-string "https://hooks…") and set notifications.webhookSecretArn to its ARN',
      },
    );
  }
  if ((input as { edge?: { corsPreflight?: unknown } } | undefined)?.edge?.corsPreflight !== undefined) {
    throw new CliError(
      `${source} is invalid: edge.corsPreflight forwarded preflights to the origin unauthenticated and is gone`,
      {
        hint: 'replace it with edge.cors: {"allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "POST"], "allowHeaders": ["content-type"]}: the edge answers preflights itself',
      },
    );
  }
  if (dist?.mode === 'attach' && dist.pathPatterns !== undefined) {
    throw new CliError(
      `${source} is invalid: distribution.pathPatterns is not an attach-mode field: attach now protects every cache behavior of the distribution`,
      {
        hint: `remove it; name behaviors to leave open, if any, in distribution.leaveUnprotected ('*' is the default behavior)`,
      },
    );
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = describeIssues(result.error.issues, input);
    throw new CliError(`${source} is invalid:\n  ${problems.join('\n  ')}`, {
      hint: `fix the field(s) above in ${source} (the JSON Schema gives completion in editors)`,
    });
  }
  const config = result.data;
  if (!STACK_ENGINES[engineOf(config)].attachable && config.distribution.mode === 'attach') {
    const attaching = EDGE_ENGINES.filter((name) => STACK_ENGINES[name].attachable).map((name) => `"${name}"`);
    throw new CliError(
      `${source} is invalid: edge.engine "${engineOf(config)}" works with distribution.mode "create" only (attach re-points Lambda@Edge versions)`,
      {
        hint: `use distribution.mode "create", or edge.engine ${attaching.join(' or ')} to attach to an existing distribution`,
      },
    );
  }
  // What RotateSecret refuses at apply time (at least 4 hours apart; a window inside its UTC day and before the
  // next), refused now, by the rule init and rotate use.
  const { days, schedule, window } = config.rotation;
  try {
    checkRotationRules({ AutomaticallyAfterDays: days, ScheduleExpression: schedule, Duration: window });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const [field, value] = /window/.test(error.message)
      ? ['window', window]
      : schedule
        ? ['schedule', schedule]
        : ['days', days];
    throw new CliError(`${source} is invalid: rotation.${field} is ${JSON.stringify(value)}: ${error.message}`, {
      hint: `fix rotation.${field} in ${source}: for instance "schedule": "rate(12 hours)" or "cron(0 4 ? * MON-FRI *)", "window": "3h"`,
    });
  }
  // The edge settings are checked by the same code that bakes them into the bundle.
  try {
    edgeConfigFor(config);
  } catch (error) {
    if (error instanceof EdgeConfigError)
      throw new CliError(`${source} is invalid: ${error.message.replace(/^edge config: /, 'edge.')}`, {
        hint: `fix that field in ${source}`,
      });
    throw error;
  }
  return config;
}

export async function loadConfig(path = CONFIG_FILE): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no ${path} in ${resolve('.')}`, {
        hint: 'create one with `basicauth init`, or pass --config PATH',
      });
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, { hint: `fix the syntax of ${path}` });
  }
  return parseConfig(parsed, path);
}

export const secretNameOf = (c: Config) => c.secret.name ?? `basicauth/${c.name}`;

export const engineOf = (c: Config): EdgeEngineName => c.edge.engine ?? DEFAULT_ENGINE;

/** What the edge bundle bakes in (either engine's). */
export function edgeConfigFor(c: Config): EdgeAuthConfig {
  const { engine: _engine, ...edge } = c.edge;
  return resolveEdgeAuthConfig({
    ...EDGE_AUTH_DEFAULTS,
    realm: c.name,
    ...Object.fromEntries(Object.entries(edge).filter(([, v]) => v !== undefined)),
    secretId: secretNameOf(c),
    secretRegion: c.region,
    replicaRegions: c.secret.replicaRegions,
  });
}

/** The rotation function's environment (a regular Lambda may have one). No secret in it. */
export function rotationEnvironment(c: Config): Record<string, string> {
  return {
    BASICAUTH_PASSWORD_LENGTH: String(c.secret.passwordLength),
    BASICAUTH_EXCLUDE_CHARACTERS: c.secret.excludeCharacters,
    BASICAUTH_USERNAMES: encodeUsernames(c.secret.usernames),
    ...(c.notifications.webhookSecretArn ? { BASICAUTH_WEBHOOK_SECRET_ARN: c.notifications.webhookSecretArn } : {}),
    ...(c.notifications.siteUrl ? { BASICAUTH_SITE_URL: c.notifications.siteUrl } : {}),
  };
}

/** The JSON Schema shipped for editor completion (cli/config.schema.json). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
