// Where deploy, destroy and plan act: AWS (a profile, the config's region), or
// the running `basicauth dev` (its endpoints, and a state and outputs of its
// own); and the reads they make there besides Terraform's.

import type { Emit } from '../core/events.js';
import { again } from '../core/next-steps.js';
import { DEFAULT_STATE_DIR, type DevInfo } from '../dev/session.js';
import type { Config } from '../project/config.js';
import type { DeployOutputs } from '../project/outputs.js';
import type { DeployInput } from './deploy.js';

export interface DeployTargetFlags {
  local?: boolean;
  stateDir?: string;
  out: string;
  profile?: string;
}

/** Where deploy/destroy act: AWS, or the running `basicauth dev` (its endpoints, a state and outputs of its own). */
export async function deployTarget(flags: DeployTargetFlags, config: Config, processEnv: NodeJS.ProcessEnv) {
  const [{ createAwsClients }, { waitDistributionDeployed }, { localRotationProbe }, { absent }] = await Promise.all([
    import('../aws/clients.js'),
    import('../ops/poll.js'),
    import('../project/target.js'),
    import('../aws/errors.js'),
  ]);
  const local = flags.local || flags.stateDir !== undefined;
  let dev: DevInfo | undefined;
  let deployOptions: Pick<DeployInput, 'outputsFile' | 'prepare'> = {};
  let outdir = flags.out;
  let env = flags.profile ? { ...processEnv, AWS_PROFILE: flags.profile } : processEnv;
  if (local) {
    const [{ requireDev }, { localDeployment, localTerraformEnv, writeProviderOverride }] = await Promise.all([
      import('../dev/session.js'),
      import('../dev/local-deploy.js'),
    ]);
    dev = await requireDev(flags.stateDir ?? DEFAULT_STATE_DIR);
    const paths = localDeployment(dev, config.name);
    const endpoint = dev.endpoint;
    outdir = paths.outdir;
    env = localTerraformEnv(processEnv);
    deployOptions = {
      outputsFile: paths.outputsFile,
      prepare: (stackDir) => writeProviderOverride(stackDir, config, endpoint, paths.stateFile),
    };
  }
  const clients = createAwsClients({
    region: config.region,
    ...(dev ? { endpoint: dev.endpoint } : { ...(flags.profile ? { profile: flags.profile } : {}) }),
  });
  const secretAdoption: Pick<DeployInput, 'findSecret' | 'restoreSecret'> = {
    findSecret: async (name) => {
      const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
      const found = await (await clients.secretsManager())
        .send(new DescribeSecretCommand({ SecretId: name }))
        .catch(absent);
      if (!found?.ARN) return undefined;
      return {
        arn: found.ARN,
        ...(found.DeletedDate
          ? { deletedAt: found.DeletedDate.getTime(), recoverableUntil: found.DeletedDate.getTime() }
          : {}),
      };
    },
    restoreSecret: async (arn) => {
      const { RestoreSecretCommand } = await import('@aws-sdk/client-secrets-manager');
      await (await clients.secretsManager()).send(new RestoreSecretCommand({ SecretId: arn }));
    },
  };
  const functionExists = async (name: string, region: string) => {
    const { GetFunctionCommand } = await import('@aws-sdk/client-lambda');
    return (await clients.lambda(region)).send(new GetFunctionCommand({ FunctionName: name })).then(
      () => true,
      (error) => absent(error) ?? false,
    );
  };
  // a response headers policy is imported by its id: found by its name among the account's own policies
  const lookupImportId = async (type: string, name: string): Promise<string | undefined> => {
    if (type !== 'aws_cloudfront_response_headers_policy') return undefined;
    const { ListResponseHeadersPoliciesCommand } = await import('@aws-sdk/client-cloudfront');
    const cf = await clients.cloudfront();
    let marker: string | undefined;
    do {
      const page = await cf.send(
        new ListResponseHeadersPoliciesCommand({ Type: 'custom', ...(marker ? { Marker: marker } : {}) }),
      );
      const found = page.ResponseHeadersPolicyList?.Items?.find(
        (i) => i.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name === name,
      );
      if (found) return found.ResponseHeadersPolicy?.Id;
      marker = page.ResponseHeadersPolicyList?.NextMarker;
    } while (marker);
    return undefined;
  };
  return {
    outdir,
    env,
    clients,
    functionExists,
    lookupImportId,
    /** the local cloud says why a rotation failed (AWS says it only in the function's logs) */
    rotationProbe: dev ? (secretId: string) => localRotationProbe(dev, secretId) : undefined,
    deployOptions,
    secretAdoption,
    siteUrl: async (outputs: DeployOutputs) => {
      if (dev) return (await import('../dev/local-deploy.js')).localSiteUrl(dev, outputs.distributionId);
      const alias = config.distribution.mode === 'create' ? config.distribution.aliases[0] : undefined;
      if (alias) return `https://${alias.replace(/^\*\./, 'www.')}/`;
      return outputs.distributionDomainName ? `https://${outputs.distributionDomainName}/` : undefined;
    },
    waitDeployed: async (distributionId: string, emit: Emit) =>
      void (await waitDistributionDeployed(await clients.cloudfront(), distributionId, {
        title: `wait for CloudFront to deploy ${distributionId}${dev ? '' : ' (usually 3 to 5 minutes)'}`,
        everyMs: dev ? 250 : 15_000,
        timeoutMs: 30 * 60_000,
        emit,
        hint: `the deploy itself is done; check later with \`${again('status')}\``,
      })),
  };
}
