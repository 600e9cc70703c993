// Which AWS (real, or the local cloud of `basicauth dev`) and which resources
// a command works on. Ids come from what dev recorded (later: what deploy
// recorded); flags override; nobody types an ARN.

import { createAwsClients, type AwsClients } from './aws.js';
import { CliError } from './errors.js';
import { DEFAULT_STATE_DIR, requireDev, type DevInfo } from './local/discover.js';

export interface TargetFlags {
  local?: boolean;
  stateDir?: string;
  region?: string;
  profile?: string;
  secretId?: string;
}

export interface Target {
  clients: AwsClients;
  secretId: string;
  siteUrl: string | undefined;
  local: DevInfo | undefined;
}

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv): Promise<Target> {
  if (flags.local || (flags.stateDir && flags.stateDir !== DEFAULT_STATE_DIR)) {
    const dev = await requireDev(flags.stateDir ?? DEFAULT_STATE_DIR);
    return {
      clients: createAwsClients({ region: dev.region, endpoint: dev.endpoint }),
      secretId: flags.secretId ?? dev.secretId,
      siteUrl: dev.edgeUrl,
      local: dev,
    };
  }
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('no AWS region', { hint: 'set AWS_REGION or pass --region (or --local for basicauth dev)' });
  if (!flags.secretId) {
    throw new CliError('no secret to work on', { hint: 'pass --secret-id NAME_OR_ARN, or --local to use the running `basicauth dev`' });
  }
  return {
    clients: createAwsClients({ region, ...(flags.profile ? { profile: flags.profile } : {}) }),
    secretId: flags.secretId,
    siteUrl: undefined,
    local: undefined,
  };
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
