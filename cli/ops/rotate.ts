// `rotate --now`: start a rotation and follow it to its end, explaining (and,
// with --recover, clearing) a previous rotation that never finished.

import { randomUUID } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError } from '../core/errors.js';
import { pollUntil } from './poll.js';
import type { Emit } from '../core/events.js';
import { unfinishedPending } from './stages.js';
import { explainAwsError } from '../aws/errors.js';
import { noteIfInterrupted } from '../core/interrupt.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';

export interface RotationProbe {
  token?: string;
  failedStep?: string;
  error?: string;
}

export interface RotateInput {
  secretId: string;
  wait: boolean;
  timeoutMs: number;
  recover: boolean;
  pollMs: number;
  /** the local cloud can say why a rotation failed; AWS says it only in the function's logs */
  probe?: () => Promise<RotationProbe | undefined>;
  now?: () => number;
}

export interface RotateResult {
  secretId: string;
  status: 'rotated' | 'started';
  versionId: string;
  previousVersionId: string | undefined;
  clearedPendingVersionId: string | undefined;
  startedAt: string;
  finishedAt: string | undefined;
  durationMs: number | undefined;
}

/** Whether the current value still lets people in: hints must not promise what is not so. */
async function currentWorks(sm: SecretsManagerClient, secretId: string): Promise<boolean> {
  const [{ GetSecretValueCommand }, { parseSecretValue }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../../handlers/shared/secret-value.js'),
  ]);
  try {
    parseSecretValue((await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '');
    return true;
  } catch {
    return false;
  }
}

const stillWorks = async (sm: SecretsManagerClient, secretId: string) =>
  (await currentWorks(sm, secretId))
    ? 'the current password still works'
    : 'the current value is unusable (every request gets 503) until a rotation finishes';

const span = (ms: number) =>
  ms < 90_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 5_400_000
      ? `${Math.round(ms / 60_000)} min`
      : `${Math.round(ms / 3_600_000)} h`;

export async function rotateNow(sm: SecretsManagerClient, input: RotateInput, emit: Emit): Promise<RotateResult> {
  const now = input.now ?? Date.now;
  const {
    DescribeSecretCommand,
    ListSecretVersionIdsCommand,
    RotateSecretCommand,
    UpdateSecretVersionStageCommand,
    GetSecretValueCommand,
  } = await import('@aws-sdk/client-secrets-manager');
  const describe = () =>
    sm
      .send(new DescribeSecretCommand({ SecretId: input.secretId }))
      .catch((e) => explainAwsError(e, `secret ${input.secretId}`));

  const before = await describe();
  if (!before.RotationLambdaARN) {
    throw new CliError(`secret ${before.Name} has no rotation function`, {
      hint: `deploy it with \`${again('deploy')}\` (or use --local with \`basicauth dev\`)`,
    });
  }
  const stages = before.VersionIdsToStages ?? {};
  const previousVersionId = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
  const pending = unfinishedPending(stages);
  let clearedPendingVersionId: string | undefined;
  if (pending) {
    const versions = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: input.secretId, IncludeDeprecated: true }),
    );
    const since = versions.Versions?.find((v) => v.VersionId === pending)?.CreatedDate;
    const age = since ? now() - since.getTime() : undefined;
    const what = `version ${pending} holds AWSPENDING${since ? ` since ${formatWhen(since.toISOString(), now())}` : ''}`;
    if (!input.recover) {
      const probe = await input.probe?.();
      const why = probe?.failedStep ? `; it failed at ${probe.failedStep}: ${probe.error}` : '';
      throw new CliError(`a previous rotation has not finished: ${what}${why}`, {
        hint:
          age !== undefined && age < 120_000 && !probe?.failedStep
            ? `another rotation is probably running: wait for it, or follow it with \`${again('status')}\``
            : `${await stillWorks(sm, input.secretId)}; run \`${again('rotate --now --recover')}\` to clear the stuck version and rotate`,
      });
    }
    emit({ type: 'step.start', id: 'recover', title: `clear the unfinished rotation (${pending.slice(0, 8)})` });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: input.secretId,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: pending,
      }),
    );
    clearedPendingVersionId = pending;
    emit({ type: 'step.done', id: 'recover', detail: what });
  }

  const token = randomUUID();
  const startedAt = now();
  emit({ type: 'step.start', id: 'start', title: 'start the rotation' });
  try {
    await sm.send(new RotateSecretCommand({ SecretId: input.secretId, ClientRequestToken: token }));
  } catch (error) {
    if (
      (error as { name?: string }).name === 'InvalidRequestException' &&
      /previous rotation/i.test((error as Error).message)
    ) {
      emit({ type: 'step.fail', id: 'start', error: 'another rotation is running' });
      throw new CliError('another rotation started at the same moment and is still running', {
        hint: `wait for it to finish (\`${again('status')}\`); nothing was changed`,
      });
    }
    return explainAwsError(error, `secret ${input.secretId}`);
  }
  emit({ type: 'step.done', id: 'start', detail: `version ${token.slice(0, 8)}` });
  noteIfInterrupted(
    `the rotation to version ${token.slice(0, 8)} goes on in Secrets Manager without this command: ${again('status')} shows when it is done`,
  );
  const result: RotateResult = {
    secretId: before.ARN ?? input.secretId,
    status: 'started',
    versionId: token,
    previousVersionId,
    clearedPendingVersionId,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: undefined,
    durationMs: undefined,
  };
  if (!input.wait) return result;

  const fn = before.RotationLambdaARN.split(':').pop();
  let created = false;
  emit({ type: 'step.start', id: 'create', title: 'create and test the new secret version' });
  const { value: finished } = await pollUntil<number>({
    what: `the rotation of ${input.secretId} (version ${token.slice(0, 8)})`,
    everyMs: input.pollMs,
    // one deadline from the start of the rotation, whatever the set-up took
    timeoutMs: input.timeoutMs - (now() - startedAt),
    now,
    emit,
    check: async () => {
      const current = (await describe()).VersionIdsToStages?.[token] ?? [];
      if (!created) {
        const hasValue =
          current.includes('AWSCURRENT') ||
          (await sm.send(new GetSecretValueCommand({ SecretId: input.secretId, VersionId: token })).then(
            () => true,
            () => false,
          ));
        if (hasValue) {
          created = true;
          emit({ type: 'step.done', id: 'create' });
          emit({ type: 'step.start', id: 'finish', title: 'make it current' });
        }
      }
      if (current.includes('AWSCURRENT')) return { done: true, value: now() };
      const probe = await input.probe?.();
      if (probe?.token === token && probe.failedStep) {
        emit({ type: 'step.fail', id: created ? 'finish' : 'create', error: probe.failedStep });
        throw new CliError(`the rotation failed at ${probe.failedStep}: ${probe.error}`, {
          hint: `${await stillWorks(sm, input.secretId)}; fix the cause, then run \`${again('rotate --now --recover')}\``,
        });
      }
      return { done: false, state: created ? 'created, not yet current' : 'creating' };
    },
    onTimeout: async () => {
      emit({ type: 'step.fail', id: created ? 'finish' : 'create', error: 'timed out' });
      return new CliError(
        `the rotation did not finish within ${span(input.timeoutMs)}; version ${token} is still AWSPENDING`,
        {
          hint: `${await stillWorks(sm, input.secretId)}; read the logs of the rotation function ${fn} (CloudWatch /aws/lambda/${fn}), then run \`${again('rotate --now --recover')}\``,
        },
      );
    },
  });
  emit({ type: 'step.done', id: 'finish' });
  return {
    ...result,
    status: 'rotated',
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - startedAt,
  };
}

export interface ScheduleResult {
  secretId: string;
  rules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string };
  nextRotation: string | undefined;
  /** the config file that now says the same (deploy applies it), where one owns the schedule */
  configFile?: string;
}

/** Changes the schedule without rotating (RotateImmediately=false: AWS only probes the function with testSecret). */
export async function setSchedule(
  sm: SecretsManagerClient,
  secretId: string,
  rules: ScheduleResult['rules'],
): Promise<ScheduleResult> {
  const { RotateSecretCommand, DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  try {
    await sm.send(new RotateSecretCommand({ SecretId: secretId, RotationRules: rules, RotateImmediately: false }));
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'InvalidParameterException')
      throw new CliError(`the schedule was refused: ${e.message}`, {
        hint: 'use --days N (1-1000) or --schedule "rate(N days)" / "cron(...)"; nothing was changed',
      });
    return explainAwsError(error, `secret ${secretId}`);
  }
  const after = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  return { secretId: after.ARN ?? secretId, rules, nextRotation: after.NextRotationDate?.toISOString() };
}

/**
 * The first password of a secret deploy just made. Terraform enables rotation
 * without rotating (`rotate_immediately = false`: a deploy must never replace
 * passwords), so a secret without AWSCURRENT gets one here, and only then.
 * Enabling rotation runs a testSecret probe first; its AWSPENDING is waited
 * out. One left by an interrupted first rotation is cleared: with no current
 * value there is nothing it could lose.
 */
export async function ensureFirstPassword(
  sm: SecretsManagerClient,
  input: Omit<RotateInput, 'wait' | 'recover'> & { settleMs: number },
  emit: Emit,
): Promise<RotateResult | undefined> {
  const now = input.now ?? Date.now;
  const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const stages = async () =>
    (
      await sm
        .send(new DescribeSecretCommand({ SecretId: input.secretId }))
        .catch((e) => explainAwsError(e, `secret ${input.secretId}`))
    ).VersionIdsToStages ?? {};
  const hasCurrent = (s: Record<string, string[]>) => Object.values(s).some((labels) => labels.includes('AWSCURRENT'));
  if (hasCurrent(await stages())) return undefined;
  const started = now();
  let current = await stages();
  while (unfinishedPending(current) && !hasCurrent(current) && now() - started < input.settleMs) {
    await new Promise((r) => setTimeout(r, input.pollMs));
    current = await stages();
  }
  if (hasCurrent(current)) return undefined;
  return rotateNow(sm, { ...input, wait: true, recover: true }, emit);
}

/**
 * Writes the schedule into the config that deploys the secret, so that the
 * config stays the one owner of it: the next deploy applies what it says
 * (and, with rotate_immediately off, never rotates because of it).
 */
export async function writeScheduleToConfig(configFile: string, rules: ScheduleResult['rules']): Promise<void> {
  const { readFile, writeFile, rename } = await import('node:fs/promises');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as { rotation?: Record<string, unknown> };
  const window = config.rotation?.window;
  config.rotation = {
    ...(rules.AutomaticallyAfterDays !== undefined
      ? { days: rules.AutomaticallyAfterDays }
      : { schedule: rules.ScheduleExpression }),
    ...(window !== undefined ? { window } : {}),
  };
  const temporary = `${configFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`);
  await rename(temporary, configFile);
}
