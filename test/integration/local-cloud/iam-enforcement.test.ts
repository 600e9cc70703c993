// The local cloud's IAM evaluation mode: calls signed with a role's temporary
// credentials are judged by that role's identity policies, with AWS's error
// codes and words; the account's own credentials stay an administrator.
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  CreateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRoleCredentials } from '../../../cli/aws/clients.js';
import { CliError } from '../../../cli/core/errors.js';
import { LOCAL_SIGNING } from '../../../cli/local/credentials.js';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
let secretArn: string;
let account: string;
const trustAccount = (id: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${id}:root` }, Action: 'sts:AssumeRole' }],
  });
const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new SecretsManagerClient({ region: 'us-east-1', endpoint: t.cloud.endpoint, credentials, maxAttempts: 1 });

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  account = t.cloud.store.state.accountId;
  secretArn = (await client(LOCAL_SIGNING).send(new CreateSecretCommand({ Name: 'app/iam', SecretString: 'v1' }))).ARN!;
  await t.cloud.call('iam', 'CreateRole', { RoleName: 'reader', AssumeRolePolicyDocument: trustAccount(account) });
  await t.cloud.call('iam', 'PutRolePolicy', {
    RoleName: 'reader',
    PolicyName: 'read',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:*', Resource: secretArn },
        { Effect: 'Deny', Action: 'secretsmanager:DeleteSecret', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'secretsmanager:PutSecretValue',
          Resource: '*',
          Condition: { StringEquals: { 'aws:unknownKey': 'x' } },
        },
      ],
    }),
  });
  await t.cloud.call('iam', 'CreatePolicy', {
    PolicyName: 'no-writes',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'secretsmanager:PutSecretValue', Resource: '*' }],
    }),
  });
  await t.cloud.call('iam', 'CreateRole', {
    RoleName: 'stranger',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
  });
});
afterAll(() => t?.stop());

describe('IAM evaluation mode', () => {
  it("allows what the role's policies allow and refuses the rest with AWS's code and words", async () => {
    const reader = client(await localRoleCredentials(t.cloud.endpoint, 'us-east-1', 'reader', account));
    expect((await reader.send(new GetSecretValueCommand({ SecretId: 'app/iam' }))).SecretString).toBe('v1');
    // a resource outside the policy
    await client(LOCAL_SIGNING).send(new CreateSecretCommand({ Name: 'app/other', SecretString: 'x' }));
    const other = reader.send(new GetSecretValueCommand({ SecretId: 'app/other' }));
    await expect(other).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    await expect(other).rejects.toThrow(
      new RegExp(
        `^User: arn:aws:sts::${account}:assumed-role/reader/basicauth-cli is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:${account}:secret:app/other-\\w{6} because no identity-based policy allows the secretsmanager:GetSecretValue action$`,
      ),
    );
    // a Deny whose condition does not hold does not deny
    await reader.send(new PutSecretValueCommand({ SecretId: 'app/iam', SecretString: 'v2' }));
  });

  it('lets an explicit Deny in an attached policy win over an Allow', async () => {
    await t.cloud.call('iam', 'AttachRolePolicy', {
      RoleName: 'reader',
      PolicyArn: `arn:aws:iam::${account}:policy/no-writes`,
    });
    try {
      const reader = client(await localRoleCredentials(t.cloud.endpoint, 'us-east-1', 'reader', account));
      await expect(reader.send(new PutSecretValueCommand({ SecretId: 'app/iam', SecretString: 'v3' }))).rejects.toThrow(
        /not authorized to perform: secretsmanager:PutSecretValue on resource: .* with an explicit deny in an identity-based policy/,
      );
    } finally {
      await t.cloud.call('iam', 'DetachRolePolicy', {
        RoleName: 'reader',
        PolicyArn: `arn:aws:iam::${account}:policy/no-writes`,
      });
    }
  });

  it('refuses credentials it did not issue, a session token that does not match, and roles that do not trust the account', async () => {
    await expect(
      client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }).send(
        new GetSecretValueCommand({ SecretId: 'app/iam' }),
      ),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    const real = await localRoleCredentials(t.cloud.endpoint, 'us-east-1', 'reader', account);
    await expect(
      client({ ...real, sessionToken: 'forged' }).send(new GetSecretValueCommand({ SecretId: 'app/iam' })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    const refused = localRoleCredentials(t.cloud.endpoint, 'us-east-1', 'stranger', account);
    await expect(refused).rejects.toBeInstanceOf(CliError);
    await expect(refused).rejects.toThrow(
      /refused to assume .*role\/stranger: User: .* is not authorized to perform: sts:AssumeRole/,
    );
  });
});
