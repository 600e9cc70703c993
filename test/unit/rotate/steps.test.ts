// The rotation steps in-process against the local Secrets Manager (real wire
// protocol), with faults injected on the SDK client.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_EXCLUDE_CHARACTERS, readSettings } from '../../../handlers/rotate/settings.js';
import { runStep, STEPS, type RotationDeps } from '../../../handlers/rotate/steps.js';
import { startTestCloud, type TestCloud } from '../../helpers/local-cloud.js';
import { RotationHarness } from '../../helpers/rotation-harness.js';

let t: TestCloud;
let sm: RotationHarness;
let logs: Array<Record<string, unknown>>;
let notices: unknown[];
let deps: RotationDeps;
let counter = 0;

beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

beforeEach(() => {
  sm = new RotationHarness(t, `rotate/test-${++counter}`);
  logs = [];
  notices = [];
  deps = {
    client: sm.client,
    settings: readSettings({}),
    log: (message, fields) => logs.push({ message, ...fields }),
    notify: async (n) => void notices.push(n),
  };
});

const event = (Step: string, token: string) => ({ Step, SecretId: sm.arn, ClientRequestToken: token });

async function rotateFully(): Promise<string> {
  const token = sm.startRotation();
  for (const step of STEPS) await runStep(event(step, token), deps);
  sm.endRotation(token);
  return token;
}

describe('rotation handler', () => {
  it('creates the first value of an empty secret: default username, 32 characters, no shell/URL characters', async () => {
    await sm.create();
    const token = await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as { username: string; password: string };
    expect(await sm.versionWith('AWSCURRENT')).toBe(token);
    expect(value.username).toBe('admin');
    expect(value.password).toHaveLength(32);
    expect([...value.password].some((c) => DEFAULT_EXCLUDE_CHARACTERS.includes(c))).toBe(false);
    expect(await sm.versionWith('AWSPENDING')).toBeUndefined();
    expect(await sm.versionWith('AWSPREVIOUS')).toBeUndefined();
  });

  it('rotates: new password, same username and extra fields, old version AWSPREVIOUS', async () => {
    await sm.create({ username: 'staging', password: 'old-Password-123456', team: 'web' });
    const first = await sm.versionWith('AWSCURRENT');
    const token = await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as Record<string, string>;
    expect(value.username).toBe('staging');
    expect(value.team).toBe('web');
    expect(value.password).not.toBe('old-Password-123456');
    expect(await sm.versionWith('AWSCURRENT')).toBe(token);
    expect(await sm.versionWith('AWSPREVIOUS')).toBe(first);
  });

  it('gives every user of a multi-user secret a new password', async () => {
    await sm.create({
      users: { alice: 'alice-Password-1', bob: 'bob-Password-22' },
      passwordSetAt: { alice: '2026-01-01T00:00:00.000Z' },
    });
    await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as { users: Record<string, string>; passwordSetAt?: unknown };
    const users = value.users;
    expect(value.passwordSetAt).toBeUndefined(); // the rotation set every password: none is a `users add` one now
    expect(Object.keys(users)).toEqual(['alice', 'bob']);
    expect(users.alice).not.toBe('alice-Password-1');
    expect(users.alice).not.toBe(users.bob);
  });

  it('honours the length, excluded characters and initial username from the environment', async () => {
    await sm.create();
    deps.settings = readSettings({
      BASICAUTH_PASSWORD_LENGTH: '20',
      BASICAUTH_EXCLUDE_CHARACTERS: 'abcdefghijklmnopqrstuvwxyz',
      BASICAUTH_USERNAMES: '["team"]',
    });
    await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as { username: string; password: string };
    expect(value.username).toBe('team');
    expect(value.password).toMatch(/^[^a-z]{20}$/);
  });

  it('creates every configured user in the first value', async () => {
    await sm.create();
    deps.settings = readSettings({ BASICAUTH_USERNAMES: '["alice","bob"]' });
    await rotateFully();
    const users = ((await sm.valueOf('AWSCURRENT')) as { users: Record<string, string> }).users;
    expect(Object.keys(users)).toEqual(['alice', 'bob']);
    expect(users.alice).toHaveLength(32);
  });

  it('is idempotent when Secrets Manager retries a step', async () => {
    await sm.create();
    const token = sm.startRotation();
    await runStep(event('createSecret', token), deps);
    const pending = await sm.valueOf('AWSPENDING');
    await runStep(event('createSecret', token), deps);
    expect(await sm.valueOf('AWSPENDING')).toEqual(pending);
    expect(sm.calls.filter((c) => c === 'GetRandomPassword')).toHaveLength(1);
    for (const step of ['setSecret', 'testSecret', 'finishSecret', 'finishSecret', 'testSecret'] as const) {
      await runStep(event(step, token), deps);
    }
    expect(await sm.versionWith('AWSCURRENT')).toBe(token);
    expect(notices).toHaveLength(1);
  });

  it('keeps the current password when a step fails, and the next attempt completes', async () => {
    await sm.create({ username: 'admin', password: 'old-Password-123456' });
    const token = sm.startRotation();
    sm.failNext('PutSecretValue');
    await expect(runStep(event('createSecret', token), deps)).rejects.toThrow(/injected PutSecretValue failure/);
    expect(await sm.valueOf('AWSCURRENT')).toEqual({ username: 'admin', password: 'old-Password-123456' });
    await runStep(event('createSecret', token), deps);
    await runStep(event('setSecret', token), deps);
    await runStep(event('testSecret', token), deps);
    sm.failNext('UpdateSecretVersionStage');
    await expect(runStep(event('finishSecret', token), deps)).rejects.toThrow(/injected/);
    expect(await sm.valueOf('AWSCURRENT')).toEqual({ username: 'admin', password: 'old-Password-123456' });
    // while AWSPENDING is left behind, a new rotation is refused, as in AWS
    expect(() => sm.startRotation()).toThrow("A previous rotation isn't complete");
    await runStep(event('finishSecret', token), deps);
    expect(await sm.versionWith('AWSCURRENT')).toBe(token);
    expect(((await sm.valueOf('AWSCURRENT')) as { password: string }).password).not.toBe('old-Password-123456');
  });

  it('checks the token as the AWS template does', async () => {
    await sm.create({ username: 'admin', password: 'old-Password-123456' });
    const current = (await sm.versionWith('AWSCURRENT'))!;
    await expect(runStep(event('createSecret', 'unknown-token'), deps)).rejects.toThrow(/has no stage for rotation/);
    const token = sm.startRotation();
    for (const step of STEPS) await runStep(event(step, token), deps);
    sm.endRotation(token);
    // the old current is AWSPREVIOUS now: not a version to rotate
    await expect(runStep(event('createSecret', current), deps)).rejects.toThrow(/is not AWSPENDING/);
    const calls = sm.calls.length;
    await runStep(event('finishSecret', token), deps); // already AWSCURRENT: nothing to do
    expect(sm.calls.slice(calls)).toEqual(['DescribeSecret']);
    sm.rotationEnabled = false;
    await expect(runStep(event('createSecret', sm.startRotation()), deps)).rejects.toThrow(/not enabled for rotation/);
  });

  it('refuses malformed events', async () => {
    await expect(runStep({ Step: 'createSecret' }, deps)).rejects.toThrow(/needs SecretId and ClientRequestToken/);
    await expect(runStep({ Step: 'dropSecret', SecretId: 'x', ClientRequestToken: 't' }, deps)).rejects.toThrow(
      /expected one of createSecret/,
    );
  });

  it('passes the RotateImmediately=false probe (testSecret on an empty pending version) without changing anything', async () => {
    await sm.create({ username: 'admin', password: 'old-Password-123456' });
    const token = sm.startRotation();
    await runStep(event('testSecret', token), deps);
    expect(await sm.valueOf('AWSCURRENT')).toEqual({ username: 'admin', password: 'old-Password-123456' });
    expect(sm.calls).not.toContain('PutSecretValue');
    expect(logs.at(-1)).toMatchObject({ message: 'step.done', probe: true });
  });

  it('fails testSecret on a pending value that breaks the policy, without printing it', async () => {
    await sm.create({ users: { alice: 'a'.repeat(32), bob: 'b'.repeat(32) } });
    const token = sm.startRotation();
    sm.setPendingValue(token, { users: { alice: 'short-Secret-1' } });
    await expect(runStep(event('testSecret', token), deps)).rejects.toThrow(
      /pending password of "alice" has 14 characters; policy is 32/,
    );
    sm.setPendingValue(token, { users: { alice: `${'x'.repeat(31)}@` } });
    await expect(runStep(event('testSecret', token), deps)).rejects.toThrow(
      /pending password of "alice" contains an excluded character$/,
    );
    sm.setPendingValue(token, { users: { alice: 'x'.repeat(32) } });
    await expect(runStep(event('testSecret', token), deps)).rejects.toThrow(
      /testSecret: the users changed during the rotation \(added bob\)/,
    );
    expect(JSON.stringify(logs)).not.toContain('short-Secret-1');
  });

  it('replaces an unusable current value with a fresh one for the configured users (the recovery path), printing no value', async () => {
    await sm.create({ user: 'admin', pass: 'typo-Password-1' });
    deps.settings = readSettings({ BASICAUTH_USERNAMES: '["admin","ops"]' });
    await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as { users: Record<string, string> };
    expect(Object.keys(value.users)).toEqual(['admin', 'ops']);
    const text = JSON.stringify(logs);
    expect(text).toMatch(/step.replacing-unusable-current.*secret value needs \\"username\\" and \\"password\\"/);
    expect(text).not.toContain('typo-Password-1');
    for (const password of Object.values(value.users)) expect(text).not.toContain(password);
  });

  it('refuses to promote a pending version when the users changed during the rotation, and never an unusable one', async () => {
    await sm.create({ users: { alice: 'alice-Password-12345678901234567', bob: 'bob-Password-123456789012345678' } });
    const token = sm.startRotation();
    await runStep(event('createSecret', token), deps);
    await runStep(event('setSecret', token), deps);
    await runStep(event('testSecret', token), deps);
    // users remove bob, between testSecret and finishSecret
    await sm.putCurrent({ users: { alice: 'alice-Password-12345678901234567' } });
    await expect(runStep(event('finishSecret', token), deps)).rejects.toThrow(
      /finishSecret: the users changed during the rotation \(removed bob\); promoting the pending version would undo that/,
    );
    expect(await sm.versionWith('AWSCURRENT')).not.toBe(token);
    sm.clearPending();
    const broken = sm.startRotation();
    sm.setPendingValue(broken, '{not json' as never);
    await expect(runStep(event('finishSecret', broken), deps)).rejects.toThrow(/AWSPENDING value of .* is unusable/);
  });

  it('notifies after finishSecret with no password, and a failing notification does not fail the rotation', async () => {
    await sm.create();
    await rotateFully();
    expect(notices).toEqual([
      { secretName: sm.name, versionId: await sm.versionWith('AWSCURRENT'), siteUrl: undefined },
    ]);
    deps.notify = vi.fn(async () => {
      throw new Error('webhook exploded');
    });
    await rotateFully();
    expect(deps.notify).toHaveBeenCalledOnce();
    expect(logs.some((l) => l.message === 'notify.failed')).toBe(true);
  });

  it('never logs a password', async () => {
    await sm.create({ username: 'admin', password: 'old-Password-123456' });
    await rotateFully();
    const value = (await sm.valueOf('AWSCURRENT')) as { password: string };
    const text = JSON.stringify(logs);
    expect(text).not.toContain(value.password);
    expect(text).not.toContain('old-Password-123456');
  });
});

describe('rotation settings', () => {
  it.each([
    [{ BASICAUTH_PASSWORD_LENGTH: '8' }, /BASICAUTH_PASSWORD_LENGTH is "8"; expected a whole number from 12 to 4096/],
    [{ BASICAUTH_PASSWORD_LENGTH: '32.5' }, /BASICAUTH_PASSWORD_LENGTH/],
    [{ BASICAUTH_USERNAMES: '["a:b"]' }, /BASICAUTH_USERNAMES names "a:b", which is not letters, digits/],
    [{ BASICAUTH_USERNAMES: '["alice","alice"]' }, /BASICAUTH_USERNAMES names a user twice/],
    [{ BASICAUTH_USERNAMES: 'alice,bob' }, /BASICAUTH_USERNAMES is not a JSON array/],
    [{ BASICAUTH_WEBHOOK_URL: 'https://hooks.slack.com/x' }, /BASICAUTH_WEBHOOK_URL is no longer read/],
    [{ BASICAUTH_WEBHOOK_SECRET_ARN: 'https://hooks.slack.com/x' }, /BASICAUTH_WEBHOOK_SECRET_ARN must be the ARN/],
  ])('names the variable at fault: %j', (env, message) => {
    expect(() => readSettings(env)).toThrow(message);
  });
});
