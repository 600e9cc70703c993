// `status`: what the secret and the edge are doing, and what is wrong.

import { describeRotationRules } from '../../handlers/shared/schedule.js';
import type { StatusReads } from '../aws/status-reads.js';
import { explainAwsError } from '../aws/errors.js';
import type { EdgeStatus, Problem } from '../engines/types.js';
import type { RotationProbe } from './rotate.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';
import type { TokenInfo } from './token-info.js';

export interface StatusInput {
  secretId: string;
  probe?: (() => Promise<RotationProbe | undefined>) | undefined;
  /** what the distribution runs and what is wrong with it: the engine's read (cli/engines), started with the secret's */
  readEdge?: (() => Promise<{ edge: EdgeStatus; problems: Problem[] }>) | undefined;
  /** the edge's log groups and their retention (./logs.ts), read with the rest */
  readLogs?: (() => Promise<StatusLogs>) | undefined;
  now?: () => number;
}

export type { Problem };

/** Where the edge logs, and for how long each group keeps its lines (undefined: forever). */
export interface StatusLogs {
  name: string;
  groups: Array<{ region: string; retentionInDays: number | undefined }>;
  /** why the groups could not be listed (a permission, say) */
  error?: string;
}

export interface Status {
  secret: {
    arn: string;
    name: string;
    rotationEnabled: boolean;
    schedule: string | undefined;
    rotationFunction: string | undefined;
    lastRotated: string | undefined;
    nextRotation: string | undefined;
    versions: Array<{ versionId: string; stages: string[]; created: string | undefined }>;
    replicas: Array<{ region: string; status: string | undefined; message: string | undefined }>;
  };
  edge: EdgeStatus | undefined;
  logs?: StatusLogs;
  /** the bypass tokens of AWSCURRENT (never their values) */
  tokens: TokenInfo[];
  problems: Problem[];
}

const STUCK_AFTER_MS = 10 * 60_000;

/** AWSCURRENT must parse (else every request gets 503); an unusable AWSPREVIOUS only loses its grace period. */
async function unusableValues(
  reads: StatusReads,
  secretId: string,
  versions: Status['secret']['versions'],
  now: number,
): Promise<{ problems: Problem[]; tokens: TokenInfo[] }> {
  const stages = (['AWSCURRENT', 'AWSPREVIOUS'] as const).filter((stage) =>
    versions.some((v) => v.stages.includes(stage)),
  );
  const [{ parseSecretValue }, { parseTokens }, { tokenInfo }, ...values] = await Promise.all([
    import('../../handlers/shared/secret-value.js'),
    import('../../handlers/shared/bypass-tokens.js'),
    import('./token-info.js'),
    ...stages.map((stage) =>
      reads.secretString(secretId, stage).then(
        (text) => ({ text }),
        (error: Error) => ({ error }),
      ),
    ),
  ]);
  const problems: Problem[] = [];
  let tokens: TokenInfo[] = [];
  stages.forEach((stage, i) => {
    const value = values[i]!;
    try {
      if ('error' in value) throw value.error;
      const parsed = parseSecretValue(value.text);
      if (stage === 'AWSCURRENT') tokens = [...parseTokens(parsed.raw).values()].map((t) => tokenInfo(t, now));
    } catch (error) {
      const why = (error as Error).message; // names fields, never values
      problems.push(
        stage === 'AWSCURRENT'
          ? {
              severity: 'error',
              message: `the AWSCURRENT value is unusable (${why}): every request gets 503`,
              fix: `${again('rotate --now')} (it replaces the value for the configured users)`,
            }
          : {
              severity: 'warning',
              message: `the AWSPREVIOUS value is unusable (${why}): no grace period applies to it`,
              fix: 'nothing to do; the next rotation replaces it',
            },
      );
    }
  });
  for (const t of tokens) {
    if (t.state === 'expired')
      problems.push({
        severity: 'warning',
        message: `token ${t.name} expired ${formatWhen(t.expires, now)} and is still stored`,
        fix: `${again(`tokens revoke ${t.name}`)}, or give it a new value and lifetime: ${again(`tokens rotate ${t.name} --expires 90d`)}`,
      });
    else if (t.state === 'expiring')
      problems.push({
        severity: 'warning',
        message: `token ${t.name} expires ${formatWhen(t.expires, now)}: whatever uses it will be refused then`,
        fix: `${again(`tokens rotate ${t.name} --expires 90d`)}, then hand the new value to what uses it`,
      });
  }
  return { problems, tokens };
}

/** Starts a read now and lets it be awaited later: a failure is only seen where it is awaited. */
function early<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

export async function readStatus(reads: StatusReads, input: StatusInput): Promise<Status> {
  const now = input.now ?? Date.now;
  // Against AWS every read is a round trip: the edge's, which need nothing from the secret's, start with them.
  const edgeRead = input.readEdge ? early(input.readEdge()) : undefined;
  const logsRead = input.readLogs ? early(input.readLogs()) : undefined;
  const [described, versionList] = await Promise.all([
    reads.describeSecret(input.secretId),
    reads.secretVersions(input.secretId),
  ]).catch((error) => explainAwsError(error, `secret ${input.secretId}`));
  const problems: Problem[] = [];
  let tokens: TokenInfo[] = [];
  const rules = described.RotationRules;
  const secret: Status['secret'] = {
    arn: described.ARN ?? input.secretId,
    name: described.Name ?? input.secretId,
    rotationEnabled: Boolean(described.RotationEnabled),
    schedule: describeRotationRules(rules),
    rotationFunction: described.RotationLambdaARN,
    lastRotated: described.LastRotatedDate?.toISOString(),
    nextRotation: described.NextRotationDate?.toISOString(),
    versions: versionList.map((v) => ({
      versionId: v.VersionId ?? '',
      stages: v.VersionStages ?? [],
      created: v.CreatedDate?.toISOString(),
    })),
    replicas: (described.ReplicationStatus ?? []).map((r) => ({
      region: r.Region ?? '',
      status: r.Status,
      message: r.StatusMessage,
    })),
  };

  if (!secret.rotationEnabled)
    problems.push({
      severity: 'warning',
      message: 'rotation is off: the password never changes',
      fix: again('rotate --days 30'),
    });
  if (!secret.versions.some((v) => v.stages.includes('AWSCURRENT'))) {
    problems.push({
      severity: 'error',
      message: 'the secret has no password: every request gets 503',
      fix: again('rotate --now'),
    });
  } else {
    const values = await unusableValues(reads, input.secretId, secret.versions, now());
    problems.push(...values.problems);
    tokens = values.tokens;
  }
  const pending = secret.versions.find((v) => v.stages.includes('AWSPENDING') && !v.stages.includes('AWSCURRENT'));
  if (pending) {
    const probe = await input.probe?.();
    const age = pending.created ? now() - Date.parse(pending.created) : Infinity;
    if (probe?.failedStep && probe.token === pending.versionId) {
      problems.push({
        severity: 'error',
        message: `the rotation of version ${pending.versionId} failed at ${probe.failedStep}: ${probe.error}`,
        fix: `fix the cause, then ${again('rotate --now --recover')}`,
      });
    } else if (age > STUCK_AFTER_MS) {
      problems.push({
        severity: 'error',
        message: `version ${pending.versionId} has been AWSPENDING since ${formatWhen(pending.created, now())}: the rotation is stuck`,
        fix: again('rotate --now --recover'),
      });
    } else {
      problems.push({
        severity: 'warning',
        message: `a rotation is in progress (version ${pending.versionId})`,
        fix: 'wait, then run status again',
      });
    }
  }
  if (secret.rotationEnabled && secret.nextRotation && Date.parse(secret.nextRotation) < now() - 3_600_000) {
    problems.push({
      severity: 'error',
      message: `the rotation due ${formatWhen(secret.nextRotation, now())} has not happened: rotation is failing`,
      fix: `read the rotation function logs, then ${again('rotate --now')}`,
    });
  }
  for (const r of secret.replicas.filter((x) => x.status && x.status !== 'InSync')) {
    problems.push({
      severity: 'warning',
      message: `replica ${r.region} is ${r.status}${r.message ? `: ${r.message}` : ''}`,
      fix: 'check the replica in the Secrets Manager console',
    });
  }

  const edge = edgeRead ? await edgeRead : undefined;
  if (edge) problems.push(...edge.problems);
  const logs = logsRead ? await logsRead : undefined;
  return { secret, edge: edge?.edge, ...(logs ? { logs } : {}), tokens, problems };
}
