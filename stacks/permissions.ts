// What each command calls on AWS, per edge engine: the one list the team
// policies are checked against (test/unit/stacks/permissions.test.ts) and the
// README's per-command table is printed from (`npm run permissions`).
//
// Lambda@Edge association: CloudFront calls Lambda's replication actions with
// the caller's permissions, so whoever changes an association needs them; AWS
// documents `lambda:EnableReplication*` and `lambda:DisableReplication*` and
// says the trailing asterisk is required (CloudFront Developer Guide, "Set up
// IAM permissions and roles for Lambda@Edge").

export type Engine = 'lambda-edge' | 'cloudfront-function';
/** The resource a call is made on: the secret, the edge function (or a version of it), the key value store, the distribution. */
export type Resource = 'secret' | 'function' | 'function-version' | 'store' | 'distribution' | 'replicator-role' | '*';
export type Team = 'readers' | 'operators';

export interface Need {
  action: string;
  on: Resource;
}

interface CommandPermissions {
  team: Team;
  needs: (engine: Engine) => Need[];
}

const need = (on: Resource, ...actions: string[]): Need[] => actions.map((action) => ({ action, on }));

const readSecret = need('secret', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret');
const readFunction = (engine: Engine): Need[] =>
  engine === 'lambda-edge' ? need('function', 'lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction') : need('function', 'cloudfront:DescribeFunction');
const readStore = (engine: Engine): Need[] => (engine === 'cloudfront-function' ? need('store', 'cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:ListKeys') : []);
const readDistribution = need('distribution', 'cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig');
/** Changing which Lambda@Edge version a distribution runs (publish, attach, detach). */
const associateLambdaEdge = [
  ...need('function-version', 'lambda:GetFunction', 'lambda:EnableReplication*', 'lambda:DisableReplication*'),
  ...need('distribution', 'cloudfront:UpdateDistribution'),
  // the service-linked role Lambda@Edge replicates with, made on the account's first association
  ...need('replicator-role', 'iam:CreateServiceLinkedRole'),
];
const publishDigests = (engine: Engine): Need[] =>
  engine === 'cloudfront-function' ? need('store', 'cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:ListKeys', 'cloudfront-keyvaluestore:UpdateKeys') : [];

export const COMMAND_PERMISSIONS: Record<string, CommandPermissions> = {
  'show-creds': { team: 'readers', needs: () => readSecret },
  verify: { team: 'readers', needs: () => readSecret },
  'users list': { team: 'readers', needs: () => readSecret },
  status: {
    team: 'readers',
    needs: (engine) => [...readSecret, ...need('secret', 'secretsmanager:ListSecretVersionIds'), ...readFunction(engine), ...readStore(engine), ...readDistribution],
  },
  'rotate --now': {
    team: 'operators',
    // on the cloudfront-function engine it then waits for the rotation function to publish the new digests
    needs: (engine) => [...readSecret, ...need('secret', 'secretsmanager:ListSecretVersionIds', 'secretsmanager:RotateSecret', 'secretsmanager:UpdateSecretVersionStage'), ...readStore(engine)],
  },
  'users add/remove': {
    team: 'operators',
    needs: (engine) => [
      ...readSecret,
      ...need('secret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'),
      ...need('*', 'secretsmanager:GetRandomPassword'),
      ...publishDigests(engine),
    ],
  },
  sync: { team: 'operators', needs: (engine) => (engine === 'cloudfront-function' ? [...readSecret, ...publishDigests(engine)] : []) },
  publish: {
    team: 'operators',
    needs: (engine) =>
      engine === 'lambda-edge'
        ? [...need('function', 'lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'), ...readDistribution, ...associateLambdaEdge]
        : [...need('function', 'cloudfront:DescribeFunction', 'cloudfront:GetFunction', 'cloudfront:PublishFunction'), ...need('distribution', 'cloudfront:GetDistribution')],
  },
  attach: { team: 'operators', needs: (engine) => (engine === 'lambda-edge' ? [...readFunction(engine), ...readDistribution, ...associateLambdaEdge] : []) },
  detach: { team: 'operators', needs: (engine) => (engine === 'lambda-edge' ? [...readFunction(engine), ...readDistribution, ...associateLambdaEdge] : []) },
};

/** The README's table: per command, the actions it needs on each engine. */
export function permissionsTable(): string {
  const cell = (needs: Need[]) => (needs.length === 0 ? 'not used' : [...new Set(needs.map((n) => `\`${n.action}\``))].join(', '));
  const rows = [
    ['command', 'policy', 'lambda-edge engine', 'cloudfront-function engine'],
    ...Object.entries(COMMAND_PERMISSIONS).map(([command, p]) => [`\`${command}\``, p.team, cell(p.needs('lambda-edge')), cell(p.needs('cloudfront-function'))]),
  ];
  // padded as the repository's formatter (biome) lays Markdown tables out
  const widths = (rows[0] as string[]).map((_, column) => Math.max(3, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, column) => c.padEnd(widths[column] as number)).join(' | ')} |`;
  return [line(rows[0] as string[]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
