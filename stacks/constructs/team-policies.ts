// Managed policies for the team: "readers" run show-creds, verify and status;
// "operators" also rotate, publish, attach and manage users. Attach them to
// your roles; basicauth attaches them to nothing.

import { Construct } from 'constructs';
import { Fn, type TerraformProvider } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { secretKeyStatement } from './kms.js';

export interface TeamPoliciesProps {
  provider: TerraformProvider;
  name: string;
  secretArn: string;
  edge: { engine: 'lambda-edge'; functionArn: string } | { engine: 'cloudfront-function'; functionArn: string; keyValueStoreArn: string };
  distributionArn: string;
  kmsKeyId: string | undefined;
  homeRegion: string;
  accountId: string;
}

export class TeamPolicies extends Construct {
  readonly readers: IamPolicy;
  readonly operators: IamPolicy;

  constructor(scope: Construct, id: string, p: TeamPoliciesProps) {
    super(scope, id);
    const { readers, operators } = teamStatements(p);
    this.readers = new IamPolicy(this, 'readers', {
      provider: p.provider,
      name: `${p.name}-basicauth-readers`,
      description: 'basicauth show-creds, verify and status',
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: readers }),
    });
    this.operators = new IamPolicy(this, 'operators', {
      provider: p.provider,
      name: `${p.name}-basicauth-operators`,
      description: 'basicauth rotate, publish, attach/detach and users (includes the readers permissions)',
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: operators }),
    });
  }
}

/** The statements of both policies; the readers' are part of the operators'. Checked against stacks/permissions.ts. */
export function teamStatements(p: Omit<TeamPoliciesProps, 'provider' | 'name'>) {
  const functionArns = [p.edge.functionArn, `${p.edge.functionArn}:*`];
  const lambdaEdge = p.edge.engine === 'lambda-edge';
  const storeArn = p.edge.engine === 'cloudfront-function' ? p.edge.keyValueStoreArn : '';
  const readers = [
    { Sid: 'ReadSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], Resource: p.secretArn },
    lambdaEdge
      ? { Sid: 'ReadEdgeFunction', Effect: 'Allow', Action: ['lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction'], Resource: functionArns }
      : { Sid: 'ReadEdgeFunction', Effect: 'Allow', Action: 'cloudfront:DescribeFunction', Resource: p.edge.functionArn },
    ...(lambdaEdge ? [] : [{ Sid: 'ReadDigestStore', Effect: 'Allow', Action: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:ListKeys'], Resource: storeArn }]),
    { Sid: 'ReadDistribution', Effect: 'Allow', Action: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'], Resource: p.distributionArn },
    ...(p.kmsKeyId ? [secretKeyStatement('DecryptSecret', ['kms:Decrypt'], p.kmsKeyId, p.homeRegion, p.secretArn)] : []),
  ];
  const operators = [
    ...readers,
    { Sid: 'RotateAndManageUsers', Effect: 'Allow', Action: ['secretsmanager:RotateSecret', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:PutSecretValue'], Resource: p.secretArn },
    { Sid: 'GeneratePasswords', Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
    ...(lambdaEdge
      ? [
          // Associating or dissociating a Lambda@Edge version needs these on the function; AWS documents the
          // replication actions with a trailing asterisk, and it is required.
          {
            Sid: 'PublishEdgeFunction',
            Effect: 'Allow',
            Action: ['lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion', 'lambda:GetFunction', 'lambda:EnableReplication*', 'lambda:DisableReplication*'],
            Resource: functionArns,
          },
          { Sid: 'RepointDistribution', Effect: 'Allow', Action: 'cloudfront:UpdateDistribution', Resource: p.distributionArn },
          {
            Sid: 'LambdaEdgeServiceRole',
            Effect: 'Allow',
            Action: 'iam:CreateServiceLinkedRole',
            Resource: `arn:aws:iam::${p.accountId}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`,
            Condition: { StringLike: { 'iam:AWSServiceName': 'replicator.lambda.amazonaws.com' } },
          },
        ]
      : [
          // publish compares the DEVELOPMENT and LIVE code (GetFunction) before publishing
          { Sid: 'PublishEdgeFunction', Effect: 'Allow', Action: ['cloudfront:GetFunction', 'cloudfront:PublishFunction'], Resource: p.edge.functionArn },
          // `users add/remove` and `sync` publish the digests themselves
          { Sid: 'PublishDigests', Effect: 'Allow', Action: 'cloudfront-keyvaluestore:UpdateKeys', Resource: storeArn },
        ]),
  ];
  return { readers, operators };
}
