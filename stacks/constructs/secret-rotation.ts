// Home region: the secret, the rotation function and the schedule. No
// secret version resource and no password anywhere: enabling rotation makes
// the first one (RotateSecret rotates at once).

import { Construct } from 'constructs';
import { Fn, type TerraformProvider } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation/index.js';
import type { Asset } from './assets.js';
import { secretKeyStatement } from './kms.js';
import { terraformLiteral } from './terraform-literal.js';

export interface SecretRotationProps {
  provider: TerraformProvider;
  name: string;
  secretName: string;
  replicaRegions: string[];
  homeRegion: string;
  recoveryWindowDays: number;
  kmsKeyId: string | undefined;
  rotation: { days?: number | undefined; schedule?: string | undefined; window?: string | undefined };
  environment: Record<string, string>;
  /** the secret holding the notification webhook's URL, which the function may read */
  webhookSecretArn: string | undefined;
  /** the CloudFront Functions engine: the store the function publishes digests to (and may write, nothing else) */
  keyValueStore?: { arn: string; graceSeconds: number } | undefined;
  code: Asset;
}

export class SecretRotation extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, p: SecretRotationProps) {
    super(scope, id);
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      provider: p.provider,
      name: p.secretName,
      description: `basicauth credentials of ${p.name} (rotated by ${p.name}-rotate; read them with basicauth show-creds)`,
      recoveryWindowInDays: p.recoveryWindowDays,
      ...(p.kmsKeyId ? { kmsKeyId: p.kmsKeyId } : {}),
      // A KMS key lives in one region: replicas use their region's aws/secretsmanager key.
      ...(p.replicaRegions.length ? { replica: p.replicaRegions.map((region) => ({ region })) } : {}),
    });

    const functionName = `${p.name}-rotate`;
    const logs = new CloudwatchLogGroup(this, 'logs', {
      provider: p.provider,
      name: `/aws/lambda/${functionName}`,
      retentionInDays: 30,
    });
    const role = new IamRole(this, 'role', {
      provider: p.provider,
      name: `${p.name}-rotate`,
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      provider: p.provider,
      name: 'rotate-this-secret',
      role: role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'RotateThisSecret',
            Effect: 'Allow',
            Action: [
              'secretsmanager:DescribeSecret',
              'secretsmanager:GetSecretValue',
              'secretsmanager:PutSecretValue',
              'secretsmanager:UpdateSecretVersionStage',
            ],
            Resource: this.secret.arn,
          },
          // GetRandomPassword acts on no resource: IAM only accepts "*" for it.
          { Sid: 'GeneratePasswords', Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${logs.arn}:*`,
          },
          ...(p.webhookSecretArn
            ? [
                {
                  Sid: 'ReadWebhookUrl',
                  Effect: 'Allow',
                  Action: 'secretsmanager:GetSecretValue',
                  Resource: p.webhookSecretArn,
                },
              ]
            : []),
          ...(p.keyValueStore
            ? [
                {
                  Sid: 'PublishDigests',
                  Effect: 'Allow',
                  Action: [
                    'cloudfront-keyvaluestore:DescribeKeyValueStore',
                    'cloudfront-keyvaluestore:ListKeys',
                    'cloudfront-keyvaluestore:UpdateKeys',
                  ],
                  Resource: p.keyValueStore.arn,
                },
              ]
            : []),
          ...(p.kmsKeyId
            ? [
                secretKeyStatement(
                  'UseSecretKey',
                  ['kms:Decrypt', 'kms:GenerateDataKey'],
                  p.kmsKeyId,
                  p.homeRegion,
                  this.secret.arn,
                ),
              ]
            : []),
        ],
      }),
    });
    this.function = new LambdaFunction(this, 'function', {
      provider: p.provider,
      functionName,
      description: `basicauth: rotates ${p.secretName}`,
      role: role.arn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      filename: p.code.path,
      sourceCodeHash: p.code.sha256,
      timeout: 30,
      memorySize: 128,
      environment: {
        variables: {
          ...Object.fromEntries(Object.entries(p.environment).map(([k, v]) => [k, terraformLiteral(v)])),
          // a reference, not a literal
          ...(p.keyValueStore
            ? { BASICAUTH_KVS_ARN: p.keyValueStore.arn, BASICAUTH_GRACE_SECONDS: String(p.keyValueStore.graceSeconds) }
            : {}),
        },
      },
      dependsOn: [logs],
    });
    const permission = new LambdaPermission(this, 'invoke', {
      provider: p.provider,
      statementId: 'SecretsManagerRotatesThisSecret',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: this.secret.arn,
    });
    new SecretsmanagerSecretRotation(this, 'rotation', {
      provider: p.provider,
      secretId: this.secret.id,
      rotationLambdaArn: this.function.arn,
      // Never rotate on apply: the provider calls RotateSecret whenever the rules change, and with true every
      // such deploy would replace everyone's password. deploy gives a new secret its first password itself.
      rotateImmediately: false,
      rotationRules: {
        ...(p.rotation.schedule
          ? { scheduleExpression: p.rotation.schedule }
          : { automaticallyAfterDays: p.rotation.days ?? 30 }),
        ...(p.rotation.window ? { duration: p.rotation.window } : {}),
      },
      // enabling rotation probes the function (testSecret): its permissions first
      dependsOn: [permission, policy],
    });
  }
}
