// us-east-1: the Lambda@Edge viewer-request function. No environment
// variables (Lambda@Edge refuses them): its settings are baked into the code.

import { Construct } from 'constructs';
import { Fn, type TerraformProvider } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import type { Asset } from './assets.js';
import { secretKeyStatement } from './kms.js';

export interface EdgeFunctionProps {
  provider: TerraformProvider;
  name: string;
  /** the secret's ARN and the regions of its home and replicas */
  secretArn: string;
  homeRegion: string;
  replicaRegions: string[];
  kmsKeyId: string | undefined;
  /** with a grace period the edge reads when the last rotation finished (DescribeSecret) */
  readsRotationDate: boolean;
  code: Asset;
}

export class EdgeFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, p: EdgeFunctionProps) {
    super(scope, id);
    const functionName = `${p.name}-edge-auth`;
    const role = new IamRole(this, 'role', {
      provider: p.provider,
      name: `${p.name}-edge-auth`,
      assumeRolePolicy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    // A replica keeps the secret's ARN with its own region.
    const secretArns = [
      p.secretArn,
      ...p.replicaRegions.map((region) => Fn.replace(p.secretArn, `:${p.homeRegion}:`, `:${region}:`)),
    ];
    new IamRolePolicy(this, 'policy', {
      provider: p.provider,
      name: 'read-this-secret',
      role: role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadThisSecret',
            Effect: 'Allow',
            Action: p.readsRotationDate
              ? ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']
              : 'secretsmanager:GetSecretValue',
            Resource: secretArns,
          },
          // Lambda@Edge logs in the region that ran it, to /aws/lambda/us-east-1.<name>.
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [
              `arn:aws:logs:*:*:log-group:/aws/lambda/us-east-1.${functionName}:*`,
              `arn:aws:logs:us-east-1:*:log-group:/aws/lambda/${functionName}:*`,
            ],
          },
          ...(p.kmsKeyId
            ? [secretKeyStatement('DecryptSecret', ['kms:Decrypt'], p.kmsKeyId, p.homeRegion, p.secretArn)]
            : []),
        ],
      }),
    });
    this.function = new LambdaFunction(this, 'function', {
      provider: p.provider,
      functionName,
      description: 'basicauth: HTTP Basic auth at the edge',
      role: role.arn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      filename: p.code.path,
      sourceCodeHash: p.code.sha256,
      publish: true,
      timeout: 5,
      memorySize: 128,
      // `basicauth publish` stamps the description to force a new version; that is not drift
      lifecycle: { ignoreChanges: ['description'] },
    });
  }
}
