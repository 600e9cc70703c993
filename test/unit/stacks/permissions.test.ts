// The team policies against what each command calls (stacks/permissions.ts),
// evaluated the way IAM does (explicit Deny, Allow, implicit deny; wildcards):
// every readers command works under the readers policy, every operators command
// under the operators policy, and the readers policy grants no write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, type Statement, wildcardMatch } from '../../../cli/local/services/iam-policy.js';
import { PACKAGE_ROOT } from '../../../stacks/bundle.js';
import { EDGE_ENGINES, STACK_ENGINES } from '../../../stacks/engines/index.js';
import { teamStatements } from '../../../stacks/constructs/team-policies.js';
import { COMMAND_PERMISSIONS, type Engine, type Need, permissionsTable } from '../../../stacks/permissions.js';

const ACCOUNT = '123456789012';
const ARNS = {
  secret: `arn:aws:secretsmanager:ap-northeast-1:${ACCOUNT}:secret:site-basicauth-AbCdEf`,
  function: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:site-basicauth-edge`,
  cfFunction: `arn:aws:cloudfront::${ACCOUNT}:function/site-basicauth`,
  store: `arn:aws:cloudfront::${ACCOUNT}:key-value-store/0f1e2d3c-aaaa-bbbb-cccc-111122223333`,
  distribution: `arn:aws:cloudfront::${ACCOUNT}:distribution/E2QWRUHAPOMQZL`,
};

function policies(engine: Engine) {
  return teamStatements({
    secretArn: ARNS.secret,
    engine: STACK_ENGINES[engine],
    edge:
      engine === 'lambda-edge'
        ? { functionArn: ARNS.function, logGroup: { name: LOG_GROUP['lambda-edge'], region: '*' } }
        : {
            functionArn: ARNS.cfFunction,
            storeArn: ARNS.store,
            logGroup: { name: LOG_GROUP['cloudfront-function'], region: 'us-east-1' },
          },
    distributionArn: ARNS.distribution,
    kmsKeyId: undefined,
    homeRegion: 'ap-northeast-1',
    accountId: ACCOUNT,
  }) as { readers: Statement[]; operators: Statement[] };
}

function resourceOf(need: Need, engine: Engine): string {
  const fn = engine === 'lambda-edge' ? ARNS.function : ARNS.cfFunction;
  return {
    secret: ARNS.secret,
    function: fn,
    'function-version': `${fn}:7`,
    store: ARNS.store,
    distribution: ARNS.distribution,
    'replicator-role': `arn:aws:iam::${ACCOUNT}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`,
    // Lambda@Edge's group in a region it ran in; the function's in us-east-1
    'log-group': `arn:aws:logs:${engine === 'lambda-edge' ? 'ap-south-1' : 'us-east-1'}:${ACCOUNT}:log-group:${LOG_GROUP[engine]}`,
    'log-groups': `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*`,
    '*': '*',
  }[need.on];
}
const LOG_GROUP = {
  'lambda-edge': '/aws/lambda/us-east-1.site-basicauth-edge',
  'cloudfront-function': '/aws/cloudfront/function/site-basicauth',
};
const CONTEXT = { 'iam:AWSServiceName': 'replicator.lambda.amazonaws.com' };

/** The needs a policy does not allow, as `action on resource`. */
function missing(statements: Statement[], needs: Need[], engine: Engine): string[] {
  return needs
    .filter((n) => evaluate(statements, n.action, resourceOf(n, engine), CONTEXT) !== 'allow')
    .map((n) => `${n.action} on ${resourceOf(n, engine)}`);
}

describe('IAM policy evaluation', () => {
  it('matches wildcards, lets an explicit Deny win, and needs every condition', () => {
    expect(wildcardMatch('lambda:Get*', 'LAMBDA:getfunction', true)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/?', 'arn:aws:s3:::b/xy')).toBe(false);
    // AWS requires the asterisk on the replication actions: the bare name does not grant the family
    expect(
      evaluate(
        [{ Effect: 'Allow', Action: 'lambda:EnableReplication', Resource: '*' }],
        'lambda:EnableReplication*',
        'x',
      ),
    ).toBe('implicit-deny');
    expect(evaluate([{ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }], 'lambda:EnableReplication*', 'x')).toBe(
      'allow',
    );
    const both: Statement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:*' },
    ];
    expect(evaluate(both, 'secretsmanager:GetSecretValue', ARNS.secret)).toBe('explicit-deny');
    expect(evaluate([{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }], 'iam:CreateRole', '*')).toBe(
      'implicit-deny',
    );
    const conditional: Statement[] = [
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.ap-northeast-1.amazonaws.com' } },
      },
    ];
    expect(
      evaluate(conditional, 'kms:Decrypt', 'k', { 'kms:ViaService': 'secretsmanager.ap-northeast-1.amazonaws.com' }),
    ).toBe('allow');
    expect(evaluate(conditional, 'kms:Decrypt', 'k', {})).toBe('implicit-deny');
    expect(evaluate(conditional, 'kms:Decrypt', 'k', { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com' })).toBe(
      'implicit-deny',
    );
  });
});

describe.each(EDGE_ENGINES)('team policies, %s engine', (engine) => {
  const { readers, operators } = policies(engine);
  const commands = Object.entries(COMMAND_PERMISSIONS);

  it.each(commands)('%s works under its policy', (_command, p) => {
    expect(missing(p.team === 'readers' ? readers : operators, p.needs(engine), engine)).toEqual([]);
  });

  it('the readers policy allows none of what only operators need', () => {
    const readerNeeds = commands
      .filter(([, p]) => p.team === 'readers')
      .flatMap(([, p]) => p.needs(engine).map((n) => n.action));
    const writes = commands
      .filter(([, p]) => p.team === 'operators')
      .flatMap(([, p]) => p.needs(engine).filter((n) => !readerNeeds.includes(n.action)));
    expect(writes.length).toBeGreaterThan(2);
    expect(missing(readers, writes, engine)).toHaveLength(writes.length);
  });
});

it("the README's per-command table is the one stacks/permissions.ts prints", () => {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  expect(readme).toContain(permissionsTable());
});
