// Which AWS (real, or the local cloud of `basicauth dev`) and which resources
// a command works on. Ids come from what dev recorded (later: what deploy
// recorded); flags override; nobody types an ARN.

import { createAwsClients, type AwsClients } from './aws.js';
import { CliError } from './errors.js';
import { DEFAULT_STATE_DIR, requireDev, type DevInfo } from './dev-session.js';
import type { RotationProbe } from './ops/rotate.js';
import { readOutputs } from './outputs.js';

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
}

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv, options: { secretOptional?: boolean } = {}): Promise<Target> {
  if (flags.local || (flags.stateDir && flags.stateDir !== DEFAULT_STATE_DIR)) {
    const dev = await requireDev(flags.stateDir ?? DEFAULT_STATE_DIR);
    return {
      clients: createAwsClients({ region: dev.region, endpoint: dev.endpoint }),
      secretId: flags.secretId ?? dev.secretId,
      siteUrl: dev.edgeUrl,
      local: dev,
      functionName: flags.function ?? dev.edgeFunctionName,
      distributionId: flags.distribution ?? dev.distributionId,
      rotationProbe: async () => {
        const res = await fetch(`${dev.endpoint}/_local/rotation?secretId=${encodeURIComponent(flags.secretId ?? dev.secretId)}`).catch(() => undefined);
        return res?.ok ? ((await res.json()) as RotationProbe) : undefined;
      },
    };
  }
  // What the last deploy recorded in this directory fills whatever the flags leave out.
  const recorded = flags.secretId ? undefined : await readOutputs();
  const region = flags.region ?? recorded?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('no AWS region', { hint: 'set AWS_REGION or pass --region (or --local for basicauth dev)' });
  const secretId = flags.secretId ?? recorded?.secretArn;
  if (!secretId && !options.secretOptional) {
    throw new CliError('no secret to work on: nothing was deployed from this directory', { hint: 'run `basicauth deploy`, pass --secret-id NAME_OR_ARN, or --local to use the running `basicauth dev`' });
  }
  return {
    clients: createAwsClients({ region, ...(flags.profile ? { profile: flags.profile } : {}) }),
    secretId: secretId ?? '',
    siteUrl: recorded?.distributionDomainName ? `https://${recorded.distributionDomainName}/` : undefined,
    local: undefined,
    functionName: flags.function ?? recorded?.edgeFunctionName,
    distributionId: flags.distribution ?? recorded?.distributionId,
    rotationProbe: undefined,
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
      throw new CliError(`access denied while reading ${what}: ${e.message}`, { hint: 'attach the basicauth readers policy to your role', cause: error });
    default:
      throw error;
  }
}
