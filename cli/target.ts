// Which AWS (real, or the local cloud of `basicauth dev`) and which resources
// a command works on. Ids come from what dev recorded (later: what deploy
// recorded); flags override; nobody types an ARN.

import { createAwsClients, localRoleCredentials, type AwsClients } from './aws.js';
import { accessDeniedHint, CliError } from './errors.js';
const CONFIG_FILE = 'basicauth.config.json';
import { DEFAULT_STATE_DIR, requireDev, type DevInfo } from './dev-session.js';
import type { RotationProbe } from './ops/rotate.js';
import { localDeployment, localSiteUrl } from './local-deploy.js';
import { readOutputs, type DeployOutputs } from './outputs.js';

export interface TargetFlags {
  local?: boolean;
  stateDir?: string;
  region?: string;
  profile?: string;
  secretId?: string;
  function?: string;
  distribution?: string;
}

export interface Target {
  clients: AwsClients;
  secretId: string;
  siteUrl: string | undefined;
  local: DevInfo | undefined;
  /** the edge function (name or ARN, us-east-1) and the distribution running it, where known */
  functionName: string | undefined;
  distributionId: string | undefined;
  /** why the last rotation failed, where that can be known (the local cloud) */
  rotationProbe: (() => Promise<RotationProbe | undefined>) | undefined;
  /** behaviors this directory's config leaves unprotected on purpose (attach mode) */
  leaveUnprotected: string[];
  /** the password policy this directory's config sets (what the rotation function uses), where there is one */
  passwordPolicy: { length?: number; excludeCharacters?: string };
  /** which edge engine checks credentials */
  engine: 'lambda-edge' | 'cloudfront-function';
  /** the CloudFront Functions engine: the store of digests, and the grace period the config sets (else the store's own) */
  keyValueStoreArn: string | undefined;
  graceSeconds: number | undefined;
  /** the config file whose deploy made the secret: it owns the rotation schedule (deploy applies it) */
  configFile: string | undefined;
}

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv, options: { secretOptional?: boolean } = {}): Promise<Target> {
  if (flags.local || (flags.stateDir && flags.stateDir !== DEFAULT_STATE_DIR)) {
    const dev = await requireDev(flags.stateDir ?? DEFAULT_STATE_DIR);
    // What `deploy --local` made from this directory's config, else dev's own site.
    const deployed = flags.secretId ? undefined : await localDeployedOutputs(dev);
    // A project directory's commands act on its own stack: never silently on dev's own site instead.
    if (!flags.secretId && !deployed) await refuseOtherStack(dev);
    const secretId = flags.secretId ?? deployed?.secretArn ?? dev.secretId;
    const distributionId = flags.distribution ?? deployed?.distributionId ?? dev.distributionId;
    const region = flags.region ?? deployed?.region ?? dev.region;
    const role = env.BASICAUTH_LOCAL_ROLE;
    const credentials = role ? await localRoleCredentials(dev.endpoint, region, role, secretId.split(':')[4] ?? '') : undefined;
    return {
      clients: createAwsClients({ region, endpoint: dev.endpoint, ...(credentials ? { credentials } : {}) }),
      secretId,
      siteUrl: deployed ? await localSiteUrl(dev, distributionId) : dev.edgeUrl,
      local: dev,
      functionName: flags.function ?? deployed?.edgeFunctionName ?? dev.edgeFunctionName,
      distributionId,
      rotationProbe: localRotationProbe(dev, secretId),
      leaveUnprotected: deployed ? await leftUnprotected() : [],
      passwordPolicy: deployed ? await passwordPolicy() : {},
      engine: deployed ? (deployed.engine ?? 'lambda-edge') : (dev.engine ?? 'lambda-edge'),
      keyValueStoreArn: deployed ? deployed.keyValueStoreArn : dev.keyValueStoreArn,
      graceSeconds: deployed ? await graceSeconds() : undefined,
      configFile: deployed ? CONFIG_FILE : undefined,
    };
  }
  // What the last deploy recorded in this directory fills whatever the flags leave out.
  const recorded = flags.secretId ? undefined : await readOutputs();
  const region = flags.region ?? recorded?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('no AWS region', { hint: 'set AWS_REGION or pass --region (or --local for basicauth dev)' });
  const secretId = flags.secretId ?? recorded?.secretArn;
  if (!secretId && !options.secretOptional) {
    throw new CliError('no secret to work on: nothing was deployed from this directory', {
      hint: 'run `basicauth deploy`, pass --secret-id NAME_OR_ARN, or --local to use the running `basicauth dev`',
    });
  }
  return {
    clients: createAwsClients({ region, ...(flags.profile ? { profile: flags.profile } : {}) }),
    secretId: secretId ?? '',
    siteUrl: recorded?.distributionDomainName ? `https://${recorded.distributionDomainName}/` : undefined,
    local: undefined,
    functionName: flags.function ?? recorded?.edgeFunctionName,
    distributionId: flags.distribution ?? recorded?.distributionId,
    rotationProbe: undefined,
    leaveUnprotected: recorded ? await leftUnprotected() : [],
    passwordPolicy: await passwordPolicy(),
    engine: recorded?.engine ?? 'lambda-edge',
    keyValueStoreArn: recorded?.keyValueStoreArn,
    graceSeconds: recorded ? await graceSeconds() : undefined,
    configFile: recorded && (await rawConfig()) ? CONFIG_FILE : undefined,
  };
}

/** Why the last rotation of a secret in the local cloud failed: AWS says it only in the function's logs. */
export function localRotationProbe(dev: DevInfo, secretId: string): () => Promise<RotationProbe | undefined> {
  return async () => {
    const { localJson } = await import('./local/light-http.js');
    return localJson<RotationProbe>(`${dev.endpoint}/_local/rotation?secretId=${encodeURIComponent(secretId)}`);
  };
}

/** The edge function and distribution, or an error naming the flags that give them. */
export function requireEdge(target: Target): { functionName: string; distributionId: string } {
  if (!target.functionName || !target.distributionId) {
    throw new CliError('which edge function and distribution?', { hint: 'pass --function NAME and --distribution ID, or --local for `basicauth dev`' });
  }
  return { functionName: target.functionName, distributionId: target.distributionId };
}

/** Turns the SDK's errors that users cause into errors that name the fix. */
export function explainAwsError(error: unknown, what: string): never {
  const e = error as { name?: string; message?: string };
  switch (e?.name) {
    case 'CredentialsProviderError':
      throw new CliError('no AWS credentials found', { hint: 'set AWS_PROFILE or run `aws sso login` (or use --local)', cause: error });
    case 'ResourceNotFoundException':
      throw new CliError(`${what} not found: ${e.message}`, { hint: 'check --secret-id and --region', cause: error });
    case 'AccessDeniedException':
    case 'AccessDenied':
      throw new CliError(`access denied on ${what}: ${e.message}`, { hint: accessDeniedHint(e.message ?? ''), cause: error });
    default:
      throw error;
  }
}

/** This directory's config as written (not validated: commands that only read need not pay for the schema). */
async function rawConfig(): Promise<
  { name?: unknown; distribution?: { mode?: unknown; leaveUnprotected?: unknown }; secret?: { passwordLength?: unknown; excludeCharacters?: unknown }; edge?: { graceSeconds?: unknown } } | undefined
> {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(CONFIG_FILE, 'utf8')) as { name?: unknown };
  } catch {
    return undefined;
  }
}

async function passwordPolicy(): Promise<Target['passwordPolicy']> {
  const secret = (await rawConfig())?.secret;
  return {
    ...(typeof secret?.passwordLength === 'number' ? { length: secret.passwordLength } : {}),
    ...(typeof secret?.excludeCharacters === 'string' ? { excludeCharacters: secret.excludeCharacters } : {}),
  };
}

async function graceSeconds(): Promise<number | undefined> {
  const grace = (await rawConfig())?.edge?.graceSeconds;
  return typeof grace === 'number' ? grace : undefined;
}

/** The KeyValueStore of the CloudFront Functions engine, or an error that says this target has none. */
export function requireStore(target: Target): string {
  if (target.engine !== 'cloudfront-function' || !target.keyValueStoreArn) {
    throw new CliError('this site runs the lambda-edge engine: it has no key value store to sync', {
      hint: 'sync is for edge.engine "cloudfront-function"; the Lambda@Edge engine reads Secrets Manager itself',
    });
  }
  return target.keyValueStoreArn;
}

async function leftUnprotected(): Promise<string[]> {
  const list = (await rawConfig())?.distribution?.leaveUnprotected;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * In a directory with a config that `deploy --local` has not deployed (or a destroy took away), dev's own
 * site is another stack: refuse, as the AWS path does, unless dev itself runs with this config.
 */
async function refuseOtherStack(dev: DevInfo): Promise<void> {
  const config = await rawConfig();
  if (!config) return;
  const { resolve } = await import('node:path');
  if (dev.config === resolve(CONFIG_FILE)) return;
  const name = typeof config.name === 'string' ? ` "${config.name}"` : '';
  throw new CliError(`nothing was deployed with --local from this directory: its ${CONFIG_FILE} names the stack${name}, and the running dev serves its own site (basicauth/dev)`, {
    hint: `run \`basicauth deploy --local${resolve(dev.stateDir) === resolve(DEFAULT_STATE_DIR) ? '' : ` --state-dir ${dev.stateDir}`}\` first, or pass --secret-id basicauth/dev for dev's own site`,
  });
}

/** The outputs `deploy --local` recorded for the config in this directory, if it ran. */
async function localDeployedOutputs(dev: DevInfo): Promise<DeployOutputs | undefined> {
  const name = (await rawConfig())?.name;
  return typeof name === 'string' ? readOutputs(localDeployment(dev, name).outputsFile) : undefined;
}
