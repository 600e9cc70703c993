// The four rotation steps, with the semantics of AWS's rotation template:
// each step is idempotent (Secrets Manager retries failed invocations), the
// token must name the AWSPENDING version, and a version already AWSCURRENT
// means the work is done.

import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretValue, SecretValueError, withPasswords, type SecretValue } from '../shared/secret-value.js';
import type { RotationNotice } from './notify.js';
import type { RotationSettings } from './settings.js';

export const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type Step = (typeof STEPS)[number];

export interface RotationEvent {
  Step: Step;
  SecretId: string;
  ClientRequestToken: string;
}

export type RotationLog = (message: string, fields?: Record<string, unknown>) => void;

export interface RotationDeps {
  client: Pick<SecretsManagerClient, 'send'>;
  settings: RotationSettings;
  log: RotationLog;
  notify?: (notice: RotationNotice) => Promise<void>;
  /** the CloudFront Functions engine: writes the new digests to the KeyValueStore (idempotent) */
  publish?: (secretArn: string) => Promise<void>;
}

export class RotationError extends Error {
  override name = 'RotationError';
}

export function parseEvent(event: unknown): RotationEvent {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e.SecretId !== 'string' || typeof e.ClientRequestToken !== 'string') {
    throw new RotationError('rotation event needs SecretId and ClientRequestToken strings');
  }
  if (!STEPS.includes(e.Step as Step)) {
    throw new RotationError(`rotation event has Step ${JSON.stringify(e.Step)}; expected one of ${STEPS.join(', ')}`);
  }
  return { Step: e.Step as Step, SecretId: e.SecretId, ClientRequestToken: e.ClientRequestToken };
}

const isNotFound = (error: unknown): boolean => (error as { name?: string })?.name === 'ResourceNotFoundException';

export async function runStep(rawEvent: unknown, deps: RotationDeps): Promise<void> {
  const event = parseEvent(rawEvent);
  const { client, log } = deps;
  const { SecretId: arn, ClientRequestToken: token, Step: step } = event;
  log('step.start', { step, token });

  const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  if (!meta.RotationEnabled) throw new RotationError(`secret ${arn} is not enabled for rotation`);
  const versions = meta.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (!stages) throw new RotationError(`version ${token} has no stage for rotation of secret ${arn}`);
  if (stages.includes('AWSCURRENT')) {
    log('step.skip', { step, token, why: 'version is already AWSCURRENT' });
    // a finishSecret retried after the stage moved but before the digests were written finishes that part
    if (step === 'finishSecret') await deps.publish?.(arn);
    return;
  }
  if (!stages.includes('AWSPENDING')) throw new RotationError(`version ${token} is not AWSPENDING for secret ${arn}`);

  const ctx = { arn, token, deps, meta: { name: meta.Name ?? arn, versions } };
  switch (step) {
    case 'createSecret':
      return createSecret(ctx);
    case 'setSecret':
      // The protected "service" is the edge function, which reads the secret
      // itself: there is nothing to push.
      log('step.done', { step, token, why: 'nothing to set: the edge reads the secret' });
      return;
    case 'testSecret':
      return testSecret(ctx);
    case 'finishSecret':
      return finishSecret(ctx);
  }
}

interface StepContext {
  arn: string;
  token: string;
  deps: RotationDeps;
  meta: { name: string; versions: Record<string, string[]> };
}

async function readValue(ctx: StepContext, stage: string, versionId?: string): Promise<SecretValue | undefined> {
  try {
    const out = await ctx.deps.client.send(
      new GetSecretValueCommand({
        SecretId: ctx.arn,
        VersionStage: stage,
        ...(versionId ? { VersionId: versionId } : {}),
      }),
    );
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) return undefined;
    return parseSecretValue(text);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    if (error instanceof SecretValueError)
      throw new RotationError(`the ${stage} value of ${ctx.arn} is unusable: ${error.message}`);
    throw error;
  }
}

async function createSecret(ctx: StepContext): Promise<void> {
  const { client, settings, log } = ctx.deps;
  if (await readValue(ctx, 'AWSPENDING', ctx.token)) {
    log('step.done', { step: 'createSecret', token: ctx.token, why: 'pending value already exists' });
    return;
  }
  // Keep the usernames (and form, and extra fields) of the current value; an
  // empty secret gets its very first value here, so no password ever passes
  // through Terraform. An unusable current value (hand-edited, say) is
  // replaced by a fresh one for the configured users: the recovery path.
  let current: SecretValue | undefined;
  try {
    current = await readValue(ctx, 'AWSCURRENT');
  } catch (error) {
    if (!(error instanceof RotationError)) throw error;
    log('step.replacing-unusable-current', {
      step: 'createSecret',
      token: ctx.token,
      error: error.message,
      users: settings.initialUsernames,
    });
  }
  const template: SecretValue = current ?? {
    form: settings.initialUsernames.length === 1 ? 'single' : 'multi',
    users: new Map(settings.initialUsernames.map((name) => [name, ''])),
    raw: {},
  };
  const passwords = new Map<string, string>();
  for (const name of template.users.keys()) {
    const out = await client.send(
      new GetRandomPasswordCommand({
        PasswordLength: settings.passwordLength,
        ExcludeCharacters: settings.excludeCharacters,
        IncludeSpace: false,
      }),
    );
    if (!out.RandomPassword) throw new RotationError('GetRandomPassword returned no password');
    passwords.set(name, out.RandomPassword);
  }
  await client.send(
    new PutSecretValueCommand({
      SecretId: ctx.arn,
      ClientRequestToken: ctx.token,
      SecretString: JSON.stringify(withPasswords(template, passwords)),
      VersionStages: ['AWSPENDING'],
    }),
  );
  log('step.done', { step: 'createSecret', token: ctx.token, users: passwords.size, initial: current === undefined });
}

async function testSecret(ctx: StepContext): Promise<void> {
  const { settings, log } = ctx.deps;
  const pending = await readValue(ctx, 'AWSPENDING', ctx.token);
  if (!pending) {
    // RotateSecret with RotateImmediately=false probes the configuration by
    // running testSecret alone against an AWSPENDING version with no value:
    // check that the function can read the secret and that what it would
    // rotate is valid.
    await readValue(ctx, 'AWSCURRENT');
    log('step.done', { step: 'testSecret', token: ctx.token, probe: true });
    return;
  }
  const excluded = new Set(settings.excludeCharacters);
  for (const [name, password] of pending.users) {
    // Messages name the user and the rule, never the password.
    if (password.length !== settings.passwordLength) {
      throw new RotationError(
        `pending password of "${name}" has ${password.length} characters; policy is ${settings.passwordLength}`,
      );
    }
    if ([...password].some((ch) => excluded.has(ch))) {
      throw new RotationError(`pending password of "${name}" contains an excluded character`);
    }
  }
  await requireSameUsers(ctx, pending, 'testSecret');
  log('step.done', { step: 'testSecret', token: ctx.token, users: pending.users.size });
}

/**
 * The pending value must hold the users the current value holds now: `users
 * add/remove` during the rotation would otherwise be undone by finishSecret.
 */
async function requireSameUsers(ctx: StepContext, pending: SecretValue, step: Step): Promise<void> {
  let current: SecretValue | undefined;
  try {
    current = await readValue(ctx, 'AWSCURRENT');
  } catch (error) {
    if (error instanceof RotationError) return; // an unusable current value is what this rotation replaces
    throw error;
  }
  if (!current) return;
  const added = [...current.users.keys()].filter((name) => !pending.users.has(name));
  const removed = [...pending.users.keys()].filter((name) => !current.users.has(name));
  if (added.length || removed.length) {
    throw new RotationError(
      `${step}: the users changed during the rotation (${[...(added.length ? [`added ${added.join(', ')}`] : []), ...(removed.length ? [`removed ${removed.join(', ')}`] : [])].join('; ')}); promoting the pending version would undo that; rotate again from the current users (basicauth rotate --now --recover)`,
    );
  }
}

async function finishSecret(ctx: StepContext): Promise<void> {
  const { client, log, notify } = ctx.deps;
  // Never promote a version that is not a usable value for the current users.
  const pending = await readValue(ctx, 'AWSPENDING', ctx.token);
  if (!pending) throw new RotationError(`finishSecret: version ${ctx.token} has no value to make current`);
  await requireSameUsers(ctx, pending, 'finishSecret');
  const currentVersion = Object.entries(ctx.meta.versions).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  await client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: ctx.arn,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: ctx.token,
      ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
    }),
  );
  log('step.done', { step: 'finishSecret', token: ctx.token, previous: currentVersion ?? null });
  // A failure here fails the step: Secrets Manager retries it, and the retry (above) publishes again.
  await ctx.deps.publish?.(ctx.arn);
  try {
    await notify?.({ secretName: ctx.meta.name, versionId: ctx.token, siteUrl: ctx.deps.settings.siteUrl });
  } catch (error) {
    log('notify.failed', { error: error instanceof Error ? error.name : 'unknown error' });
  }
}
