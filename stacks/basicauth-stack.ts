// The one stack basicauth deploys: two AWS providers (the home region, and
// us-east-1 where Lambda@Edge must live), one Terraform state.

import { relative, resolve } from 'node:path';
import { Fn, Lazy, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { edgeConfigFor, engineOf, rotationEnvironment, secretNameOf, type Config } from '../cli/project/config.js';
import type { Asset } from './constructs/assets.js';
import { Distribution } from './constructs/distribution.js';
import { noindexPolicy } from './constructs/noindex.js';
import { SecretRotation } from './constructs/secret-rotation.js';
import { TeamPolicies } from './constructs/team-policies.js';
import { STACK_ENGINES } from './engines/index.js';
import type { EngineBuild } from './engines/types.js';

export const STACK_NAME = 'basicauth';

export interface StackProps {
  config: Config;
  /** the edge engine's build (its construct refers to the files it wrote) and the rotation function's zip */
  engine: EngineBuild;
  assets: { rotate: Asset };
  /** where terraform runs (the stack directory), to make a local state path relative to it */
  stackDir: string;
}

export class BasicauthStack extends TerraformStack {
  constructor(scope: Construct, id: string, { config, engine, assets, stackDir }: StackProps) {
    super(scope, id);
    const defaultTags = [{ tags: { 'basicauth:name': config.name, ...config.tags } }];
    const home = new AwsProvider(this, 'aws', { region: config.region, defaultTags });
    const edgeRegion =
      config.region === 'us-east-1'
        ? home
        : new AwsProvider(this, 'aws_us_east_1', { region: 'us-east-1', alias: 'us_east_1', defaultTags });

    if (config.backend.type === 's3') {
      new S3Backend(this, {
        bucket: config.backend.bucket,
        key: config.backend.key,
        region: config.backend.region,
        encrypt: true,
        ...(config.backend.dynamodbTable
          ? { dynamodbTable: config.backend.dynamodbTable }
          : { useLockfile: config.backend.useLockfile }),
      });
    } else {
      new LocalBackend(this, { path: relative(stackDir, resolve(config.backend.path)) });
    }

    const edgeSettings = edgeConfigFor(config);
    // The engine's resources come first: the secret's rotation may publish to one of them (its ARN is resolved at synth).
    let secretArn: string | undefined;
    const edge = engine.construct(this, {
      provider: edgeRegion,
      name: config.name,
      secretName: secretNameOf(config),
      secretArn: Lazy.stringValue({ produce: () => required(secretArn, 'the secret') }),
      homeRegion: config.region,
      replicaRegions: config.secret.replicaRegions,
      kmsKeyId: config.secret.kmsKeyId,
      edge: edgeSettings,
    });
    const secret = new SecretRotation(this, 'secret', {
      provider: home,
      name: config.name,
      secretName: secretNameOf(config),
      replicaRegions: config.secret.replicaRegions,
      homeRegion: config.region,
      recoveryWindowDays: config.secret.recoveryWindowDays,
      kmsKeyId: config.secret.kmsKeyId,
      rotation: config.rotation,
      environment: rotationEnvironment(config),
      webhookSecretArn: config.notifications.webhookSecretArn,
      keyValueStore: edge.rotationStore,
      code: assets.rotate,
    });
    secretArn = secret.secret.arn;

    // the account that runs the stack, named in ARNs instead of a wildcard account; read
    // from the secret's ARN rather than a data source, so planning needs no API call
    const accountId = Fn.element(Fn.split(':', secret.secret.arn), 4);
    let distributionId: string;
    let distributionArn: string;
    if (config.distribution.mode === 'create') {
      const d = new Distribution(this, 'cdn', {
        provider: home,
        name: config.name,
        config: config.distribution,
        homeRegion: config.region,
        viewerRequest: edge.viewerRequest,
      });
      distributionId = d.distribution.id;
      distributionArn = d.distribution.arn;
      new TerraformOutput(this, 'distribution_domain_name', { value: d.distribution.domainName });
      if (d.bucketPolicy)
        new TerraformOutput(this, 's3_bucket_policy', {
          value: d.bucketPolicy,
          description: 'add this statement to the origin bucket policy',
        });
    } else {
      // attach mode: deploy associates the function (and this policy) through `basicauth attach`'s code path
      distributionId = config.distribution.distributionId;
      if (config.distribution.noindex)
        new TerraformOutput(this, 'response_headers_policy_id', { value: noindexPolicy(this, home, config.name).id });
      distributionArn = `arn:aws:cloudfront::${accountId}:distribution/${distributionId}`;
    }
    const policies = new TeamPolicies(this, 'team', {
      provider: home,
      name: config.name,
      secretArn: secret.secret.arn,
      engine: STACK_ENGINES[engineOf(config)],
      edge: edge.arns,
      distributionArn,
      kmsKeyId: config.secret.kmsKeyId,
      homeRegion: config.region,
      accountId,
    });
    for (const [output, value] of Object.entries(edge.outputs)) new TerraformOutput(this, output, { value });
    new TerraformOutput(this, 'distribution_id', { value: distributionId });
    new TerraformOutput(this, 'secret_arn', { value: secret.secret.arn });
    new TerraformOutput(this, 'secret_name', { value: secret.secret.name });
    new TerraformOutput(this, 'rotation_function_name', { value: secret.function.functionName });
    new TerraformOutput(this, 'readers_policy_arn', { value: policies.readers.arn });
    new TerraformOutput(this, 'operators_policy_arn', { value: policies.operators.arn });
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`basicauth stack: ${what} is missing`);
  return value;
}
