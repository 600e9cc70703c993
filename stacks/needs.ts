// What a command calls on AWS, as the team policies must allow it: shared by
// stacks/permissions.ts (the table) and each engine's own needs (stacks/engines).

/** The resource a call is made on: the secret, the edge function (or a version of it), the key value store, the distribution. */
export type Resource =
  | 'secret'
  | 'function'
  | 'function-version'
  | 'store'
  | 'distribution'
  | 'replicator-role'
  /** the edge's log group, in any region it logs to */
  | 'log-group'
  /** every log group of the account (DescribeLogGroups lists; it names none) */
  | 'log-groups'
  | '*';
export type Team = 'readers' | 'operators';

export interface Need {
  action: string;
  on: Resource;
}

export const need = (on: Resource, ...actions: string[]): Need[] => actions.map((action) => ({ action, on }));

export const readSecret = need('secret', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret');
/** Where the edge's logs are, and their lines. */
export const readLogs = [...need('log-groups', 'logs:DescribeLogGroups'), ...need('log-group', 'logs:FilterLogEvents')];
export const readDistribution = need('distribution', 'cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig');

/** An IAM policy statement as the team policies write them. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}
