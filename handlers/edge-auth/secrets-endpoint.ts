// Where and how the edge reaches Secrets Manager, shared by both clients.

import { secretIdIn, secretRegionsFor } from './regions.js';
import type { EdgeAuthConfig } from './config.js';
import type { Deadline } from './deadline.js';
import type { SecretSource, SecretVersion, VersionStage } from './secret-cache.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The standard AWS endpoint variables; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns them off. */
export function secretsManagerEndpoint(region: string, env: Env): string {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    const configured = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
    if (configured) return configured;
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://secretsmanager.${region}.${suffix}`;
}

export class SecretsFetchError extends Error {
  override name = 'SecretsFetchError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export const isNotFound = (error: unknown): boolean =>
  error instanceof SecretsFetchError
    ? error.code === 'ResourceNotFoundException'
    : (error as { name?: string })?.name === 'ResourceNotFoundException';

/** One GetSecretValue call in one region, with a deadline. */
export type GetInRegion = (
  region: string,
  secretId: string,
  stage: VersionStage,
  deadline: Deadline,
) => Promise<SecretVersion>;
/** One DescribeSecret call in one region: LastRotatedDate in epoch ms, or undefined. */
export type LastRotatedInRegion = (region: string, secretId: string, deadline: Deadline) => Promise<number | undefined>;

/**
 * Reads from the nearest copy, then the home region if that fails, within the
 * caller's deadline (one per load). A missing version is an answer, not a
 * failure: no fallback.
 */
export function regionalSource(
  config: EdgeAuthConfig,
  env: Env,
  calls: { get: GetInRegion; lastRotated?: LastRotatedInRegion },
): SecretSource {
  const regions = secretRegionsFor(env.AWS_REGION, config);
  async function inRegions<T>(
    deadline: Deadline,
    call: (region: string, secretId: string) => Promise<T>,
  ): Promise<T | undefined> {
    let lastError: unknown;
    for (const region of regions) {
      try {
        return await call(region, secretIdIn(config.secretId, region));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        if (deadline.passed) {
          lastError = new SecretsFetchError(
            `Secrets Manager in ${region} did not answer within ${config.fetchTimeoutMs} ms`,
            'Timeout',
          );
          break;
        }
        lastError = error;
      }
    }
    throw lastError;
  }
  const { lastRotated } = calls;
  return {
    fetchVersion: (stage, deadline) =>
      inRegions(deadline, (region, secretId) => calls.get(region, secretId, stage, deadline)),
    ...(lastRotated
      ? {
          lastRotated: (deadline: Deadline) =>
            inRegions(deadline, (region, secretId) => lastRotated(region, secretId, deadline)),
        }
      : {}),
  };
}

/** Turns a DescribeSecret answer into LastRotatedDate (epoch ms) or a SecretsFetchError. */
export function parseLastRotated(region: string, status: number, text: string): number | undefined {
  const body = parseAnswer<{ LastRotatedDate?: number }>(region, status, text);
  return typeof body.LastRotatedDate === 'number' ? Math.round(body.LastRotatedDate * 1000) : undefined;
}

/** A JSON 1.1 answer's body, or a SecretsFetchError named by AWS's error code. */
function parseAnswer<T>(region: string, status: number, text: string): T & { __type?: string } {
  let body: T & { __type?: string };
  try {
    body = JSON.parse(text) as T & { __type?: string };
  } catch {
    throw new SecretsFetchError(`Secrets Manager in ${region} answered HTTP ${status} without JSON`, `Http${status}`);
  }
  if (status < 200 || status >= 300) {
    const code = (body.__type ?? `Http${status}`).split('#').pop() as string;
    throw new SecretsFetchError(`Secrets Manager in ${region} answered ${code}`, code);
  }
  return body;
}

interface GetSecretValueBody {
  VersionId?: string;
  SecretString?: string;
  SecretBinary?: string;
  CreatedDate?: number;
}

/** Turns a GetSecretValue answer (JSON 1.1) into a version or a SecretsFetchError named by AWS's error code. */
export function parseGetSecretValue(region: string, status: number, text: string): SecretVersion {
  const body = parseAnswer<GetSecretValueBody>(region, status, text);
  const secretString =
    body.SecretString ?? (body.SecretBinary ? Buffer.from(body.SecretBinary, 'base64').toString('utf8') : undefined);
  if (typeof body.VersionId !== 'string' || secretString === undefined) {
    throw new SecretsFetchError(
      `Secrets Manager in ${region} answered without VersionId or value`,
      'MalformedResponse',
    );
  }
  return { versionId: body.VersionId, secretString, createdDate: Math.round((body.CreatedDate ?? 0) * 1000) };
}

/** Lambda puts the function role's credentials in these reserved variables. */
export function credentialsFrom(env: Env): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
} {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
  } = env;
  if (!accessKeyId || !secretAccessKey) {
    throw new SecretsFetchError(
      'no AWS credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
      'CredentialsMissing',
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}
