// What deploy recorded, so that later commands need no ids typed by hand.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

export const OUTPUTS_FILE = '.basicauth/outputs.json';

export interface DeployOutputs {
  name: string;
  region: string;
  secretArn: string;
  secretName: string;
  rotationFunctionName: string;
  edgeFunctionName: string;
  edgeFunctionQualifiedArn: string;
  distributionId: string;
  distributionDomainName: string | undefined;
  readersPolicyArn: string | undefined;
  operatorsPolicyArn: string | undefined;
  /** S3 origins: the statement the bucket policy needs so the distribution can read it */
  s3BucketPolicy?: string;
  /** absent: lambda-edge */
  engine?: EdgeEngineName;
  /** the CloudFront Functions engine's store of digests */
  keyValueStoreArn?: string;
  /** attach mode with distribution.noindex: the policy attach puts on the protected behaviors */
  responseHeadersPolicyId?: string;
  deployedAt: string;
}

export async function readOutputs(file = OUTPUTS_FILE): Promise<DeployOutputs | undefined> {
  try {
    return JSON.parse(await readFile(resolve(file), 'utf8')) as DeployOutputs;
  } catch {
    return undefined;
  }
}

export async function writeOutputs(outputs: DeployOutputs, file = OUTPUTS_FILE): Promise<void> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(resolve(file), `${JSON.stringify(outputs, null, 2)}\n`);
}

export async function clearOutputs(file = OUTPUTS_FILE): Promise<void> {
  await rm(resolve(file), { force: true });
}

/** Terraform's `outputs` (name -> value) as basicauth records them. */
export function fromTerraform(name: string, region: string, o: Record<string, unknown>): DeployOutputs {
  const s = (key: string) => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
  const need = (key: string) => {
    const v = s(key);
    if (!v) throw new Error(`terraform output ${key} is missing`);
    return v;
  };
  return {
    name,
    region,
    secretArn: need('secret_arn'),
    secretName: need('secret_name'),
    rotationFunctionName: need('rotation_function_name'),
    edgeFunctionName: need('edge_function_name'),
    edgeFunctionQualifiedArn: need('edge_function_qualified_arn'),
    distributionId: need('distribution_id'),
    distributionDomainName: s('distribution_domain_name'),
    readersPolicyArn: s('readers_policy_arn'),
    operatorsPolicyArn: s('operators_policy_arn'),
    ...(s('s3_bucket_policy') ? { s3BucketPolicy: s('s3_bucket_policy') } : {}),
    ...(s('response_headers_policy_id') ? { responseHeadersPolicyId: s('response_headers_policy_id') } : {}),
    ...(s('key_value_store_arn')
      ? { engine: 'cloudfront-function' as const, keyValueStoreArn: s('key_value_store_arn') }
      : {}),
    deployedAt: new Date().toISOString(),
  };
}
