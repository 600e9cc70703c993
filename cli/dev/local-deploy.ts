// Where `deploy --local` puts things: the synthesized stack, the Terraform
// state and the recorded outputs live in the running dev's state directory,
// and a provider override points every provider alias at dev's endpoints with
// its fixed credentials. Nothing else differs from a deploy to AWS.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../project/config.js';
import type { DevInfo } from './session.js';
import { LOCAL_CREDENTIALS } from '../local/credentials.js';
import { CliError } from '../core/errors.js';

export const OVERRIDE_FILE = 'zz_basicauth_local_override.tf.json';

export interface LocalDeployment {
  dir: string;
  outdir: string;
  stateFile: string;
  outputsFile: string;
}

export function localDeployment(dev: Pick<DevInfo, 'stateDir'>, name: string): LocalDeployment {
  const dir = join(dev.stateDir, 'deployments', name);
  return {
    dir,
    outdir: join(dir, 'cdktf.out'),
    stateFile: join(dir, 'terraform.tfstate'),
    outputsFile: join(dir, 'outputs.json'),
  };
}

/** The override Terraform merges into the synthesized providers and backend: every endpoint key the local cloud answers (its plugins say which). */
export function providerOverride(
  config: Pick<Config, 'region'>,
  endpoint: string,
  stateFile: string,
  endpointKeys: string[],
): unknown {
  const endpoints = [Object.fromEntries(endpointKeys.map((key) => [key, endpoint]))];
  const settings = {
    access_key: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
    secret_key: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    skip_metadata_api_check: true,
    endpoints,
  };
  return {
    terraform: { backend: { local: { path: stateFile } } },
    provider: {
      aws: [
        { region: config.region, ...settings },
        ...(config.region === 'us-east-1' ? [] : [{ alias: 'us_east_1', region: 'us-east-1', ...settings }]),
      ],
    },
  };
}

export async function writeProviderOverride(
  stackDir: string,
  config: Pick<Config, 'region'>,
  endpoint: string,
  stateFile: string,
): Promise<void> {
  const { localJson } = await import('../local/light-http.js');
  const health = await localJson<{ terraformEndpoints?: string[] }>(`${endpoint}/_local/health`);
  if (!health?.terraformEndpoints?.length)
    throw new CliError(`basicauth dev at ${endpoint} does not answer its health check`, {
      hint: 'start it again with `basicauth dev` (and keep it running during deploy --local)',
    });
  await mkdir(stackDir, { recursive: true });
  await writeFile(
    join(stackDir, OVERRIDE_FILE),
    `${JSON.stringify(providerOverride(config, endpoint, stateFile, health.terraformEndpoints), null, 2)}\n`,
  );
}

/** Terraform's environment for the local cloud: no AWS credentials or profile of the user's leak in. */
export function localTerraformEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const key of Object.keys(clean)) if (/^AWS_/.test(key)) delete clean[key];
  return { ...clean, AWS_EC2_METADATA_DISABLED: 'true' };
}

/** The loopback URL the local edge serves a distribution on. */
export async function localSiteUrl(
  dev: Pick<DevInfo, 'endpoint'>,
  distributionId: string,
): Promise<string | undefined> {
  const { localJson } = await import('../local/light-http.js');
  const sites = await localJson<Array<{ distributionId: string; url: string }>>(`${dev.endpoint}/_local/sites`);
  return sites?.find((s) => s.distributionId === distributionId)?.url;
}
