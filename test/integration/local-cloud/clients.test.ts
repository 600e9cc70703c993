// Clients we did not write against the local cloud: the AWS CLI v2 (Debian's
// /usr/bin/aws, by explicit path) and boto3, on every protocol the local
// services speak (a success, an error and an unknown operation each: every
// AWS CLI run costs a Python start). Good calls answer; bad input and operations the local cloud
// does not implement get AWS's error shape for that protocol, which these
// clients turn into their usual "An error occurred (Code)" / ClientError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';
import { runProcess } from '../../helpers/run-cli.js';
import { AWS_V2, awsCli, haveAwsCli, hasBoto3 } from '../../helpers/aws-cli.js';
import { missing } from '../../helpers/tools.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

const aws = (...args: string[]) => awsCli(t.cloud.endpoint, ...args);

describe.skipIf(missing('the AWS CLI v2', haveAwsCli, `no ${AWS_V2}`))('the AWS CLI v2', () => {
  // each AWS CLI run starts Python and botocore: seconds apiece on a loaded machine
  it('speaks AWS JSON (Secrets Manager, CloudWatch Logs)', { timeout: 300_000 }, async () => {
    const created = await aws(
      'secretsmanager',
      'create-secret',
      '--name',
      'cli/one',
      '--secret-string',
      '{"username":"a","password":"b"}',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.json().ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:cli\/one-/);
    expect((await aws('secretsmanager', 'get-secret-value', '--secret-id', 'cli/none')).error).toBe(
      'ResourceNotFoundException',
    );
    const unknown = await aws('secretsmanager', 'validate-resource-policy', '--resource-policy', '{}');
    expect(unknown.error).toBe('UnknownOperationException');
    expect(unknown.stderr).toMatch(/does not implement secretsmanager ValidateResourcePolicy/);
    expect((await aws('logs', 'create-log-group', '--log-group-name', '/cli/group')).code).toBe(0);
    expect(
      (await aws('logs', 'describe-log-groups', '--log-group-name-prefix', '/cli/')).json().logGroups[0],
    ).toMatchObject({
      logGroupName: '/cli/group',
      arn: expect.stringMatching(/:log-group:\/cli\/group:\*$/),
    });
    expect((await aws('logs', 'describe-destinations')).error).toBe('UnknownOperationException');
  });

  it('speaks REST-JSON (Lambda) and REST-XML (CloudFront, S3)', { timeout: 300_000 }, async () => {
    expect((await aws('lambda', 'get-function', '--function-name', 'nope')).error).toBe('ResourceNotFoundException');
    expect((await aws('lambda', 'list-layers')).error).toBe('UnknownOperationException');
    expect((await aws('cloudfront', 'get-distribution', '--id', 'ENOSUCHTHING00')).error).toBe('NoSuchDistribution');
    expect((await aws('cloudfront', 'list-cache-policies')).error).toBe('UnknownOperationException');
    expect((await aws('s3api', 'create-bucket', '--bucket', 'cli-bucket')).code).toBe(0);
    expect((await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'none', '/dev/null')).error).toBe(
      'NoSuchKey',
    );
  });

  it('speaks query (IAM, STS)', { timeout: 300_000 }, async () => {
    expect((await aws('sts', 'get-caller-identity')).json()).toMatchObject({ Account: '000000000000' });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const role = await aws(
      'iam',
      'create-role',
      '--role-name',
      'cli-role',
      '--assume-role-policy-document',
      trust,
      '--tags',
      'Key=team,Value=web',
    );
    expect(role.code, role.stderr).toBe(0);
    expect(role.json().Role).toMatchObject({
      RoleName: 'cli-role',
      Arn: 'arn:aws:iam::000000000000:role/cli-role',
      RoleId: expect.stringMatching(/^AROA/),
    });
    // IAM hands documents back URL-encoded; the CLI decodes them
    expect((await aws('iam', 'get-role', '--role-name', 'cli-role')).json().Role.AssumeRolePolicyDocument).toEqual(
      JSON.parse(trust),
    );
    expect((await aws('iam', 'get-role', '--role-name', 'nope')).error).toBe('NoSuchEntity');
    expect(
      (
        await aws(
          'iam',
          'put-role-policy',
          '--role-name',
          'cli-role',
          '--policy-name',
          'p',
          '--policy-document',
          'not json',
        )
      ).error,
    ).toBe('MalformedPolicyDocument');
    expect((await aws('iam', 'list-users')).error).toBe('InvalidAction');
    // tags on roles and policies, as the Terraform provider sets them
    expect(
      (await aws('iam', 'tag-role', '--role-name', 'cli-role', '--tags', 'Key=team,Value=edge', 'Key=env,Value=dev'))
        .code,
    ).toBe(0);
    expect((await aws('iam', 'untag-role', '--role-name', 'cli-role', '--tag-keys', 'env')).code).toBe(0);
    expect((await aws('iam', 'list-role-tags', '--role-name', 'cli-role')).json().Tags).toEqual([
      { Key: 'team', Value: 'edge' },
    ]);
    const policy = (
      await aws(
        'iam',
        'create-policy',
        '--policy-name',
        'cli-policy',
        '--policy-document',
        trust.replace('sts:AssumeRole', 'logs:CreateLogGroup').replace(/"Principal":\{[^}]*\},/, '"Resource":"*",'),
      )
    ).json().Policy;
    expect(
      (await aws('iam', 'tag-policy', '--policy-arn', policy.Arn, '--tags', 'Key=a,Value=1', 'Key=b,Value=2')).code,
    ).toBe(0);
    expect((await aws('iam', 'untag-policy', '--policy-arn', policy.Arn, '--tag-keys', 'a')).code).toBe(0);
    expect((await aws('iam', 'list-policy-tags', '--policy-arn', policy.Arn)).json().Tags).toEqual([
      { Key: 'b', Value: '2' },
    ]);
    expect((await aws('iam', 'tag-role', '--role-name', 'nope', '--tags', 'Key=a,Value=1')).error).toBe('NoSuchEntity');
  });
});

describe.skipIf(missing('boto3', hasBoto3))('boto3', () => {
  it('gets AWS error codes on every protocol', async () => {
    const script = `
import boto3, json, sys
from botocore.exceptions import ClientError
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
def code(call):
    try:
        call()
        return 'ok'
    except ClientError as e:
        return e.response['Error']['Code']
out = {
  'json': code(lambda: boto3.client('secretsmanager', **kw).describe_secret(SecretId='nope')),
  'json-unknown': code(lambda: boto3.client('secretsmanager', **kw).batch_get_secret_value(SecretIdList=['x'])),
  'rest-json': code(lambda: boto3.client('lambda', **kw).get_function(FunctionName='nope')),
  'rest-xml': code(lambda: boto3.client('cloudfront', **kw).get_distribution(Id='ENOPE')),
  'query': code(lambda: boto3.client('iam', **kw).get_policy(PolicyArn='arn:aws:iam::000000000000:policy/nope')),
  'query-unknown': code(lambda: boto3.client('iam', **kw).list_groups()),
  'sts': boto3.client('sts', **kw).get_caller_identity()['Account'],
}
print(json.dumps(out))
`;
    const r = await runProcess('python3', ['-c', script, t.cloud.endpoint]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      json: 'ResourceNotFoundException',
      'json-unknown': 'UnknownOperationException',
      'rest-json': 'ResourceNotFoundException',
      'rest-xml': 'NoSuchDistribution',
      query: 'NoSuchEntity',
      'query-unknown': 'InvalidAction',
      sts: '000000000000',
    });
  });
});
