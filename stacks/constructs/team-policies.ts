// Managed policies for the team: "readers" run show-creds, verify and status;
// "operators" also rotate, publish, attach and manage users. Attach them to
// your roles; basicauth attaches them to nothing.

import { Construct } from 'constructs';
import { Fn, type TerraformProvider } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import type { EngineResources, StackEngine } from '../engines/types.js';
import { secretKeyStatement } from './kms.js';

export interface TeamPoliciesProps {
  provider: TerraformProvider;
  name: string;
  secretArn: string;
  /** the engine's statements (stacks/engines/<name>.ts) and the ARNs they name */
  engine: Pick<StackEngine, 'statements'>;
  edge: EngineResources['arns'];
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
  const own = p.engine.statements({ ...p.edge, distributionArn: p.distributionArn, accountId: p.accountId });
  const group = `arn:aws:logs:${p.edge.logGroup.region}:${p.accountId}:log-group:${p.edge.logGroup.name}`;
  const logGroupArns = [group, `${group}:*`];
  const readers = [
    {
      Sid: 'ReadSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
      Resource: p.secretArn,
    },
    ...own.readers,
    {
      Sid: 'ReadDistribution',
      Effect: 'Allow',
      Action: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig'],
      Resource: p.distributionArn,
    },
    // `logs` and status: where the edge's log groups are (a listing names no group), and their lines
    {
      Sid: 'FindEdgeLogs',
      Effect: 'Allow',
      Action: 'logs:DescribeLogGroups',
      Resource: `arn:aws:logs:*:${p.accountId}:log-group:*`,
    },
    { Sid: 'ReadEdgeLogs', Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: logGroupArns },
    ...(p.kmsKeyId
      ? [secretKeyStatement('DecryptSecret', ['kms:Decrypt'], p.kmsKeyId, p.homeRegion, p.secretArn)]
      : []),
  ];
  const operators = [
    ...readers,
    {
      Sid: 'RotateAndManageUsers',
      Effect: 'Allow',
      Action: [
        'secretsmanager:RotateSecret',
        'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:PutSecretValue',
      ],
      Resource: p.secretArn,
    },
    { Sid: 'GeneratePasswords', Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
    { Sid: 'SetEdgeLogRetention', Effect: 'Allow', Action: 'logs:PutRetentionPolicy', Resource: logGroupArns },
    ...own.operators,
  ];
  return { readers, operators };
}
