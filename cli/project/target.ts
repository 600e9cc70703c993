// Which AWS (real, or the local cloud of `basicauth dev`) and which resources
// a command works on. Ids come from what dev recorded (later: what deploy
// recorded); flags override; nobody types an ARN.

import { createAwsClients, localRoleCredentials, type AwsClients } from '../aws/clients.js';
import { CliError } from '../core/errors.js';
import { DEFAULT_STATE_DIR, requireDev, type DevInfo } from '../dev/session.js';
import type { RotationProbe } from '../ops/rotate.js';
import { localDeployment, localSiteUrl } from '../dev/local-deploy.js';
import { again } from '../core/next-steps.js';
import { readOutputs } from './outputs.js';
import { CONFIG_FILE } from './constants.js';
import { DEFAULT_ENGINE, type EdgeEngineName } from '../../stacks/engines/index.js';

export interface TargetFlags {
  local?: boolean;
  stateDir?: string;
  region?: string;
  profile?: string;
  secretId?: string;
  function?: string;
  distribution?: string;
  /** the project's config file (default basicauth.config.json) */
  config?: string;
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
  engine: EdgeEngineName;
  /** the CloudFront Functions engine: the store of digests, and the grace period the config sets (else the store's own) */
  keyValueStoreArn: string | undefined;
  graceSeconds: number | undefined;
  /** the config file whose deploy made the secret: it owns the rotation schedule (deploy applies it) */
  configFile: string | undefined;
  /** whether the site's answers should carry X-Robots-Tag: noindex (distribution.noindex) */
  noindex: boolean;
  /** attach mode with noindex: the policy deploy made, which attach puts on the protected behaviors */
  responseHeadersPolicyId: string | undefined;
}

export async function resolveTarget(
  flags: TargetFlags,
  env: NodeJS.ProcessEnv,
  options: { secretOptional?: boolean } = {},
): Promise<Target> {
  const configFile = flags.config ?? CONFIG_FILE;
  const project = await rawConfig(configFile);
  if (flags.config && !project)
    throw new CliError(`no readable config at ${flags.config}`, {
      hint: 'check --config (the file deploy was run with)',
    });
  if (flags.local || (flags.stateDir && flags.stateDir !== DEFAULT_STATE_DIR)) {
    const dev = await requireDev(flags.stateDir ?? DEFAULT_STATE_DIR);
    // What `deploy --local` made from this directory's config, else dev's own site.
    const deployed =
      flags.secretId || typeof project?.name !== 'string'
        ? undefined
        : await readOutputs(localDeployment(dev, project.name).outputsFile);
    // A project directory's commands act on its own stack: never silently on dev's own site instead.
    if (!flags.secretId && !deployed) await refuseOtherStack(dev, project, configFile);
    const secretId = flags.secretId ?? deployed?.secretArn ?? dev.secretId;
    const distributionId = flags.distribution ?? deployed?.distributionId ?? dev.distributionId;
    const region = flags.region ?? deployed?.region ?? dev.region;
    const role = env.BASICAUTH_LOCAL_ROLE;
    const credentials = role
      ? await localRoleCredentials(dev.endpoint, region, role, secretId.split(':')[4] ?? '')
      : undefined;
    return {
      clients: createAwsClients({ region, endpoint: dev.endpoint, ...(credentials ? { credentials } : {}) }),
      secretId,
      siteUrl: deployed ? await localSiteUrl(dev, distributionId) : dev.edgeUrl,
      local: dev,
      functionName: flags.function ?? deployed?.edgeFunctionName ?? dev.edgeFunctionName,
      distributionId,
      rotationProbe: localRotationProbe(dev, secretId),
      leaveUnprotected: deployed ? leftUnprotected(project) : [],
      passwordPolicy: deployed ? passwordPolicy(project) : {},
      engine: (deployed ? deployed.engine : dev.engine) ?? DEFAULT_ENGINE,
      keyValueStoreArn: deployed ? deployed.keyValueStoreArn : dev.keyValueStoreArn,
      graceSeconds: deployed ? graceSeconds(project) : undefined,
      configFile: deployed ? configFile : undefined,
      noindex: deployed ? noindexOf(project) : true,
      responseHeadersPolicyId: deployed?.responseHeadersPolicyId,
    };
  }
  // What the last deploy recorded in this directory fills whatever the flags leave out.
  const recorded = flags.secretId ? undefined : await readOutputs();
  const configured = typeof project?.region === 'string' ? project.region : undefined;
  const region = flags.region ?? recorded?.region ?? configured ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region)
    throw new CliError('no AWS region', {
      hint: `set "region" in ${configFile}, AWS_REGION, or pass --region (or --local for basicauth dev)`,
    });
  const secretId = flags.secretId ?? recorded?.secretArn;
  if (!secretId && !options.secretOptional) {
    throw new CliError('no secret to work on: nothing was deployed from this directory', {
      hint: `run \`${again('deploy')}\`, pass --secret-id NAME_OR_ARN, or --local to use the running \`basicauth dev\``,
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
    leaveUnprotected: recorded ? leftUnprotected(project) : [],
    passwordPolicy: passwordPolicy(project),
    engine: recorded?.engine ?? DEFAULT_ENGINE,
    keyValueStoreArn: recorded?.keyValueStoreArn,
    graceSeconds: recorded ? graceSeconds(project) : undefined,
    configFile: recorded && project ? configFile : undefined,
    noindex: recorded ? noindexOf(project) : true,
    responseHeadersPolicyId: recorded?.responseHeadersPolicyId,
  };
}

/** Why the last rotation of a secret in the local cloud failed: AWS says it only in the function's logs. */
export function localRotationProbe(dev: DevInfo, secretId: string): () => Promise<RotationProbe | undefined> {
  return async () => {
    const { localJson } = await import('../local/light-http.js');
    return localJson<RotationProbe>(`${dev.endpoint}/_local/rotation?secretId=${encodeURIComponent(secretId)}`);
  };
}

/** The edge function and distribution, or an error naming the flags that give them. */
export function requireEdge(target: Target): { functionName: string; distributionId: string } {
  if (!target.functionName || !target.distributionId) {
    throw new CliError('which edge function and distribution?', {
      hint: 'pass --function NAME and --distribution ID, or --local for `basicauth dev`',
    });
  }
  return { functionName: target.functionName, distributionId: target.distributionId };
}

/** This directory's config as written (not validated: commands that only read need not pay for the schema). */
interface RawConfig {
  name?: unknown;
  region?: unknown;
  distribution?: { mode?: unknown; leaveUnprotected?: unknown; noindex?: unknown };
  secret?: { passwordLength?: unknown; excludeCharacters?: unknown };
  edge?: { graceSeconds?: unknown };
}

async function rawConfig(file: string): Promise<RawConfig | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RawConfig;
  } catch {
    return undefined;
  }
}

function passwordPolicy(project: RawConfig | undefined): Target['passwordPolicy'] {
  const secret = project?.secret;
  return {
    ...(typeof secret?.passwordLength === 'number' ? { length: secret.passwordLength } : {}),
    ...(typeof secret?.excludeCharacters === 'string' ? { excludeCharacters: secret.excludeCharacters } : {}),
  };
}

/** Whether the site's answers should say noindex: the default when basicauth creates the distribution; attach mode when asked. */
function noindexOf(project: RawConfig | undefined): boolean {
  const d = project?.distribution;
  return d?.mode === 'attach' ? d.noindex === true : d?.noindex !== false;
}

function graceSeconds(project: RawConfig | undefined): number | undefined {
  const grace = project?.edge?.graceSeconds;
  return typeof grace === 'number' ? grace : undefined;
}

/** The KeyValueStore of the CloudFront Functions engine, or an error that says this target has none. */
export function requireStore(target: Target): string {
  if (!target.keyValueStoreArn) {
    throw new CliError(`this site runs the ${target.engine} engine: it has no key value store to sync`, {
      hint: 'sync is for edge.engine "cloudfront-function", whose edge reads digests from a key value store',
    });
  }
  return target.keyValueStoreArn;
}

function leftUnprotected(project: RawConfig | undefined): string[] {
  const list = project?.distribution?.leaveUnprotected;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * In a directory with a config that `deploy --local` has not deployed (or a destroy took away), dev's own
 * site is another stack: refuse, as the AWS path does, unless dev itself runs with this config.
 */
async function refuseOtherStack(dev: DevInfo, project: RawConfig | undefined, configFile: string): Promise<void> {
  if (!project) return;
  const { resolve } = await import('node:path');
  if (dev.config === resolve(configFile)) return;
  const name = typeof project.name === 'string' ? ` "${project.name}"` : '';
  throw new CliError(
    `nothing was deployed with --local from this directory: its ${configFile} names the stack${name}, and the running dev serves its own site (basicauth/dev)`,
    {
      hint: `run \`${again('deploy')}\` first, or pass --secret-id basicauth/dev for dev's own site`,
    },
  );
}
