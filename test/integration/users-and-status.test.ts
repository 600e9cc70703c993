// `users add/remove` and `status` against the local Secrets Manager: a users
// change leaves AWSPREVIOUS to the last rotation (its grace period), and status
// checks both the current and the previous value.
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, removeUser } from '../../cli/ops/users.js';
import { readStatus } from '../../cli/ops/status.js';
import { sdkStatusReads } from '../../cli/aws/status-reads.js';
import { putRotationFunction, startTestCloud, type TestCloud } from '../helpers/local-cloud.js';

let t: TestCloud;
let rotateArn: string;
beforeAll(async () => {
  t = await startTestCloud();
  rotateArn = await putRotationFunction(t, 'rotate');
});
afterAll(() => t.stop());

const stages = async (id: string) =>
  (await t.sm.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
const holder = async (id: string, stage: string) =>
  Object.entries(await stages(id)).find(([, s]) => s.includes(stage))?.[0];

describe('users add and remove', () => {
  it('leave AWSPREVIOUS with the version the last rotation replaced', async () => {
    await t.sm.send(
      new CreateSecretCommand({ Name: 'users/a', SecretString: JSON.stringify({ users: { alice: 'a'.repeat(32) } }) }),
    );
    const first = await holder('users/a', 'AWSCURRENT');
    await t.sm.send(new RotateSecretCommand({ SecretId: 'users/a', RotationLambdaARN: rotateArn }));
    await t.cloud.secretsManager.settled();
    expect(await holder('users/a', 'AWSPREVIOUS')).toBe(first);
    await addUser(t.sm, 'users/a', 'carol', { passwordLength: 24 });
    expect(await holder('users/a', 'AWSPREVIOUS')).toBe(first); // the rotation's grace is not cut short
    await removeUser(t.sm, 'users/a', 'carol');
    expect(await holder('users/a', 'AWSPREVIOUS')).toBe(first);
  });

  it('add no AWSPREVIOUS where no rotation left one, and take the configured password policy', async () => {
    await t.sm.send(
      new CreateSecretCommand({ Name: 'users/b', SecretString: JSON.stringify({ users: { alice: 'a'.repeat(32) } }) }),
    );
    await addUser(t.sm, 'users/b', 'dave', { passwordLength: 20, excludeCharacters: 'abcdefghijklmnopqrstuvwxyz' });
    expect(await holder('users/b', 'AWSPREVIOUS')).toBeUndefined();
    const users = (
      JSON.parse(
        ((await t.cloud.call('secretsmanager', 'GetSecretValue', { SecretId: 'users/b' })) as { SecretString: string })
          .SecretString,
      ) as { users: Record<string, string> }
    ).users;
    expect(users.dave).toMatch(/^[^a-z]{20}$/);
  });

  it('refuse usernames outside the one rule, as a usage error', async () => {
    for (const name of ['alice smith', 'jörg', 'a,b', 'a:b', 'x'.repeat(65), ' bob ']) {
      await expect(addUser(t.sm, 'users/b', name, { passwordLength: 24 }), name).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(/is not letters, digits/),
      });
    }
  });
});

describe('status', () => {
  it('flags an unusable AWSCURRENT as an error and an unusable AWSPREVIOUS as a warning, naming no value', async () => {
    await t.sm.send(
      new CreateSecretCommand({
        Name: 'status/a',
        SecretString: JSON.stringify({ username: 'admin', password: 'good-Password-1' }),
      }),
    );
    await t.sm.send(
      new PutSecretValueCommand({
        SecretId: 'status/a',
        SecretString: '{"username": "admin", "pass": "typo-Password-2"}',
      }),
    );
    let status = await readStatus(
      sdkStatusReads({ sm: async () => t.sm, lambda: async () => t.lambda, cf: async () => t.cf }),
      { secretId: 'status/a' },
    );
    expect(status.problems.map((p) => [p.severity, p.message])).toContainEqual([
      'error',
      expect.stringMatching(/AWSCURRENT value is unusable .*every request gets 503/),
    ]);
    // put the good one back as current: the typo is now AWSPREVIOUS
    const versions = await stages('status/a');
    const good = Object.entries(versions).find(([, s]) => s.includes('AWSPREVIOUS'))![0];
    const bad = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))![0];
    await t.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'status/a',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: good,
        RemoveFromVersionId: bad,
      }),
    );
    status = await readStatus(
      sdkStatusReads({ sm: async () => t.sm, lambda: async () => t.lambda, cf: async () => t.cf }),
      { secretId: 'status/a' },
    );
    expect(status.problems.map((p) => [p.severity, p.message])).toContainEqual([
      'warning',
      expect.stringMatching(/AWSPREVIOUS value is unusable .*no grace period applies/),
    ]);
    expect(JSON.stringify(status)).not.toMatch(/Password-\d/);
  });
});
