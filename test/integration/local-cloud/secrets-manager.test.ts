// The unmodified SDK v3 client against the local Secrets Manager: every
// implemented operation, its success and error paths.
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

describe('local Secrets Manager', () => {
  it('creates a secret, reads it by stage and version, and refuses duplicates', async () => {
    const created = await t.sm.send(
      new CreateSecretCommand({ Name: 'app/one', SecretString: '{"a":1}', Description: 'd' }),
    );
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/one-[A-Za-z0-9]{6}$/);
    const byName = await t.sm.send(new GetSecretValueCommand({ SecretId: 'app/one' }));
    expect(byName).toMatchObject({
      Name: 'app/one',
      SecretString: '{"a":1}',
      VersionStages: ['AWSCURRENT'],
      VersionId: created.VersionId,
    });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await t.sm.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionId: created.VersionId, VersionStage: 'AWSCURRENT' }),
    );
    expect(byArn.SecretString).toBe('{"a":1}');
    await expect(t.sm.send(new CreateSecretCommand({ Name: 'app/one' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    await expect(t.sm.send(new GetSecretValueCommand({ SecretId: 'app/none' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      t.sm.send(new GetSecretValueCommand({ SecretId: 'app/one', VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toThrow(/staging label: AWSPREVIOUS/);
  });

  it('stores binary secrets', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'app/bin', SecretBinary: Buffer.from([0, 1, 2, 255]) }));
    const out = await t.sm.send(new GetSecretValueCommand({ SecretId: 'app/bin' }));
    expect(Buffer.from(out.SecretBinary!)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(out.SecretString).toBeUndefined();
  });

  it('moves AWSCURRENT and AWSPREVIOUS with PutSecretValue and UpdateSecretVersionStage', async () => {
    const { VersionId: v1 } = await t.sm.send(new CreateSecretCommand({ Name: 'app/stages', SecretString: 'one' }));
    const put = await t.sm.send(
      new PutSecretValueCommand({
        SecretId: 'app/stages',
        SecretString: 'two',
        ClientRequestToken: 'token-two-00000000000000000000000000',
      }),
    );
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    let stages = (await t.sm.send(new DescribeSecretCommand({ SecretId: 'app/stages' }))).VersionIdsToStages;
    expect(stages).toEqual({ [v1!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] });
    // same token, same value: idempotent; same token, other value: refused
    await t.sm.send(
      new PutSecretValueCommand({ SecretId: 'app/stages', SecretString: 'two', ClientRequestToken: put.VersionId }),
    );
    await expect(
      t.sm.send(
        new PutSecretValueCommand({ SecretId: 'app/stages', SecretString: 'other', ClientRequestToken: put.VersionId }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    const pending = await t.sm.send(
      new PutSecretValueCommand({ SecretId: 'app/stages', SecretString: 'three', VersionStages: ['AWSPENDING'] }),
    );
    await expect(
      t.sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'app/stages',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: pending.VersionId,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await t.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'app/stages',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: put.VersionId,
      }),
    );
    stages = (await t.sm.send(new DescribeSecretCommand({ SecretId: 'app/stages' }))).VersionIdsToStages;
    expect(stages).toEqual({ [put.VersionId!]: ['AWSPREVIOUS'], [pending.VersionId!]: ['AWSPENDING', 'AWSCURRENT'] });
    await t.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'app/stages',
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: pending.VersionId,
      }),
    );
    expect((await t.sm.send(new GetSecretValueCommand({ SecretId: 'app/stages' }))).SecretString).toBe('three');
    const listed = await t.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'app/stages' }));
    expect(listed.Versions?.map((v) => v.VersionStages)).toEqual([['AWSPREVIOUS'], ['AWSCURRENT']]);
    const all = await t.sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'app/stages', IncludeDeprecated: true, MaxResults: 2 }),
    );
    expect(all.Versions).toHaveLength(2);
    expect(all.NextToken).toBeDefined();
    const rest = await t.sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'app/stages',
        IncludeDeprecated: true,
        MaxResults: 2,
        NextToken: all.NextToken,
      }),
    );
    expect(rest.Versions).toHaveLength(1);
  });

  it('generates passwords with every GetRandomPassword parameter', async () => {
    const plain = await t.sm.send(new GetRandomPasswordCommand({}));
    expect(plain.RandomPassword).toHaveLength(32);
    const only = await t.sm.send(
      new GetRandomPasswordCommand({
        PasswordLength: 64,
        ExcludeLowercase: true,
        ExcludeUppercase: true,
        ExcludePunctuation: true,
      }),
    );
    expect(only.RandomPassword).toMatch(/^\d{64}$/);
    const spaced = await t.sm.send(
      new GetRandomPasswordCommand({
        PasswordLength: 200,
        IncludeSpace: true,
        ExcludeCharacters: 'abc',
        RequireEachIncludedType: true,
      }),
    );
    expect(spaced.RandomPassword).toContain(' ');
    expect(spaced.RandomPassword).not.toMatch(/[abc]/);
    for (const re of [/[a-z]/, /[A-Z]/, /\d/, /[^a-zA-Z\d ]/]) expect(spaced.RandomPassword).toMatch(re);
    await expect(t.sm.send(new GetRandomPasswordCommand({ PasswordLength: 0 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(t.sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 }))).rejects.toThrow(/at least 4/);
    await expect(
      t.sm.send(
        new GetRandomPasswordCommand({
          ExcludeLowercase: true,
          ExcludeUppercase: true,
          ExcludeNumbers: true,
          ExcludePunctuation: true,
        }),
      ),
    ).rejects.toThrow(/every character type is excluded/);
  });

  it('refuses RotateSecret without a rotation function, and CancelRotateSecret turns rotation off', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'app/norotate', SecretString: 'x' }));
    await expect(t.sm.send(new RotateSecretCommand({ SecretId: 'app/norotate' }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    await expect(
      t.sm.send(
        new RotateSecretCommand({
          SecretId: 'app/norotate',
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:x',
          RotationRules: { ScheduleExpression: 'rate(1 hours)' },
        }),
      ),
    ).rejects.toThrow(/at most every 4 hours/);
    // RotationRulesType: rotations at least four hours apart, whatever the expression; a window (Duration) that
    // "must not extend into the next rotation window or the next UTC day"
    for (const [rules, message] of [
      [{ ScheduleExpression: 'cron(0 */2 * * ? *)' }, /starts rotations 2 hours apart/],
      [{ ScheduleExpression: 'rate(6 hours)', Duration: '8h' }, /runs into the next one/],
      [{ ScheduleExpression: 'cron(0 22 * * ? *)', Duration: '3h' }, /runs into the next UTC day/],
    ] as const) {
      const refused = t.sm.send(
        new RotateSecretCommand({
          SecretId: 'app/norotate',
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:x',
          RotationRules: rules,
        }),
      );
      await expect(refused).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(refused).rejects.toThrow(message);
    }
    const cancelled = await t.sm.send(new CancelRotateSecretCommand({ SecretId: 'app/norotate' }));
    expect(cancelled.Name).toBe('app/norotate');
    expect((await t.sm.send(new DescribeSecretCommand({ SecretId: 'app/norotate' }))).RotationEnabled).toBe(false);
  });

  it('deletes with a recovery window, refuses use meanwhile, restores, and force-deletes', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'app/delete', SecretString: 'x' }));
    await expect(
      t.sm.send(new DeleteSecretCommand({ SecretId: 'app/delete', RecoveryWindowInDays: 3 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const deleted = await t.sm.send(new DeleteSecretCommand({ SecretId: 'app/delete', RecoveryWindowInDays: 7 }));
    expect(deleted.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    await expect(t.sm.send(new GetSecretValueCommand({ SecretId: 'app/delete' }))).rejects.toThrow(
      /marked for deletion/,
    );
    expect((await t.sm.send(new DescribeSecretCommand({ SecretId: 'app/delete' }))).DeletedDate).toBeInstanceOf(Date);
    await expect(t.sm.send(new CreateSecretCommand({ Name: 'app/delete' }))).rejects.toThrow(/scheduled for deletion/);
    await t.sm.send(new RestoreSecretCommand({ SecretId: 'app/delete' }));
    expect((await t.sm.send(new GetSecretValueCommand({ SecretId: 'app/delete' }))).SecretString).toBe('x');
    await t.sm.send(new DeleteSecretCommand({ SecretId: 'app/delete', ForceDeleteWithoutRecovery: true }));
    await expect(t.sm.send(new DescribeSecretCommand({ SecretId: 'app/delete' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('rejects unsigned requests and unknown operations with a clear message', async () => {
    const unsigned = await fetch(t.cloud.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const { BatchGetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const unknown = await t.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['a'] })).catch((e: Error) => e);
    expect(unknown).toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringMatching(/does not implement secretsmanager BatchGetSecretValue/),
    });
    expect(t.events).toContainEqual({
      type: 'unknown-operation',
      service: 'secretsmanager',
      operation: 'BatchGetSecretValue',
    });
  });

  it('persists every change: a new cloud on the same state directory sees it', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'app/persist', SecretString: 'kept' }));
    const again = await startTestCloud({ stateDir: t.stateDir });
    try {
      expect((await again.sm.send(new GetSecretValueCommand({ SecretId: 'app/persist' }))).SecretString).toBe('kept');
    } finally {
      await again.stop({ keepState: true });
    }
  });
});
