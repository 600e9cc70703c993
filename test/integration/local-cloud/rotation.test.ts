// The real rotation bundle, run by the local Secrets Manager's RotateSecret
// the way AWS runs it: four steps, AWSPENDING, AWSPREVIOUS, dates, and the
// stuck-rotation error with its reattempt.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  CreateSecretCommand,
  InvalidRequestException,
  RotateSecretCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putRotationFunction, startTestCloud, until, type TestCloud } from '../../helpers/local-cloud.js';

let t: TestCloud;
let rotateArn: string;

beforeAll(async () => {
  t = await startTestCloud();
  rotateArn = await putRotationFunction(t, 'rotate');
});
afterAll(() => t.stop());

const value = async (id: string, stage = 'AWSCURRENT') =>
  JSON.parse((await t.sm.send(new GetSecretValueCommand({ SecretId: id, VersionStage: stage }))).SecretString!);
const describe_ = (id: string) => t.sm.send(new DescribeSecretCommand({ SecretId: id }));

describe('rotation through the local Secrets Manager', () => {
  it('enabling rotation on an empty secret creates the first password, then rotates on demand', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'site/a' }));
    const first = await t.sm.send(
      new RotateSecretCommand({
        SecretId: 'site/a',
        RotationLambdaARN: rotateArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await t.cloud.secretsManager.settled();
    const v1 = await value('site/a');
    expect(v1.username).toBe('admin');
    expect(v1.password).toHaveLength(32);
    let d = await describe_('site/a');
    expect(d.RotationEnabled).toBe(true);
    expect(d.VersionIdsToStages).toEqual({ [first.VersionId!]: ['AWSCURRENT'] });
    expect(d.NextRotationDate!.getTime() - d.LastRotatedDate!.getTime()).toBe(30 * 86_400_000);

    const second = await t.sm.send(new RotateSecretCommand({ SecretId: 'site/a' }));
    await t.cloud.secretsManager.settled();
    const v2 = await value('site/a');
    expect(v2.username).toBe('admin');
    expect(v2.password).not.toBe(v1.password);
    expect((await value('site/a', 'AWSPREVIOUS')).password).toBe(v1.password);
    d = await describe_('site/a');
    expect(d.VersionIdsToStages).toEqual({ [first.VersionId!]: ['AWSPREVIOUS'], [second.VersionId!]: ['AWSCURRENT'] });
    // the function ran each step, and its logs name no password
    expect(t.functionLogs.join('\n')).toMatch(/"step":"finishSecret"/);
    expect(t.functionLogs.join('\n')).not.toContain(v2.password);
  });

  it('leaves AWSPENDING after a failed step, refuses the next RotateSecret, and the reattempt completes', async () => {
    await t.sm.send(
      new CreateSecretCommand({
        Name: 'site/b',
        SecretString: JSON.stringify({ username: 'team', password: 'x'.repeat(32) }),
      }),
    );
    // a rotation function whose settings are broken fails at createSecret (cold start)
    const broken = await putRotationFunction(t, 'rotate-broken', { BASICAUTH_PASSWORD_LENGTH: '3' });
    await t.sm.send(new RotateSecretCommand({ SecretId: 'site/b', RotationLambdaARN: broken }));
    await t.cloud.secretsManager.settled();
    const stages = (await describe_('site/b')).VersionIdsToStages!;
    const pending = Object.entries(stages).find(([, s]) => s.includes('AWSPENDING'))?.[0];
    expect(pending).toBeDefined();
    expect((await value('site/b')).password).toBe('x'.repeat(32)); // the current password keeps working
    expect(t.logs.join('\n')).toMatch(/failed at createSecret: BASICAUTH_PASSWORD_LENGTH is "3"/);

    // fix the function; the next RotateSecret fails as in AWS, and reattempts the stuck rotation
    await putRotationFunction(t, 'rotate-broken'); // a changed function: the next invocation cold-starts with the new settings
    await expect(t.sm.send(new RotateSecretCommand({ SecretId: 'site/b' }))).rejects.toThrow(InvalidRequestException);
    await expect(t.sm.send(new RotateSecretCommand({ SecretId: 'site/b' }))).rejects.toThrow(
      "A previous rotation isn't complete. That rotation will be reattempted.",
    );
    await t.cloud.secretsManager.settled();
    const after = (await describe_('site/b')).VersionIdsToStages!;
    expect(after[pending!]).toEqual(['AWSCURRENT']);
    const rotated = await value('site/b');
    expect(rotated.username).toBe('team');
    expect(rotated.password).not.toBe('x'.repeat(32));
  });

  it('RotateImmediately=false only probes with testSecret and changes no value', async () => {
    await t.sm.send(
      new CreateSecretCommand({
        Name: 'site/c',
        SecretString: JSON.stringify({ username: 'admin', password: 'y'.repeat(32) }),
      }),
    );
    await t.sm.send(
      new RotateSecretCommand({
        SecretId: 'site/c',
        RotationLambdaARN: rotateArn,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'rate(10 days)' },
      }),
    );
    await t.cloud.secretsManager.settled();
    expect((await value('site/c')).password).toBe('y'.repeat(32));
    const d = await describe_('site/c');
    expect(Object.values(d.VersionIdsToStages!).flat()).toEqual(['AWSCURRENT']);
    expect(d.RotationEnabled).toBe(true);
    expect(d.RotationRules?.ScheduleExpression).toBe('rate(10 days)');
    expect(t.functionLogs.join('\n')).toMatch(/"probe":true/);
  });

  it('fires scheduled rotations while it runs', async () => {
    await t.sm.send(new CreateSecretCommand({ Name: 'site/d' }));
    await t.sm.send(
      new RotateSecretCommand({
        SecretId: 'site/d',
        RotationLambdaARN: rotateArn,
        RotationRules: { AutomaticallyAfterDays: 1 },
      }),
    );
    await t.cloud.secretsManager.settled();
    const before = (await t.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'site/d' }))).Versions!.length;
    // pretend the day has passed
    t.cloud.secretsManager.state.secrets.find((s) => s.name === 'site/d')!.nextRotationDate = Date.now() - 1;
    await until(
      async () => (await t.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'site/d' }))).Versions!.length > before,
      10_000,
      'a scheduled rotation',
    );
    await t.cloud.secretsManager.settled();
    expect(
      Object.values((await describe_('site/d')).VersionIdsToStages!)
        .flat()
        .sort(),
    ).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });
});
