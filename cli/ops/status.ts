// `status`: what the secret and the edge are doing, and what is wrong.

import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeRotationRules } from '../../handlers/shared/schedule.js';
import { CliError } from '../core/errors.js';
import type { StatusReads } from '../aws/status-reads.js';
import { explainAwsError } from '../project/target.js';
import { allBehaviors, protectionGaps } from './attach.js';
import { versionsInUse } from './distribution.js';
import type { RotationProbe } from './rotate.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';

export interface StatusInput {
  secretId: string;
  functionName?: string | undefined;
  distributionId?: string | undefined;
  probe?: (() => Promise<RotationProbe | undefined>) | undefined;
  /** behaviors the config leaves unprotected on purpose */
  leaveUnprotected?: string[];
  /** the CloudFront Functions engine: its store of digests (and the grace period, when the config says) */
  engine?: 'lambda-edge' | 'cloudfront-function';
  keyValueStoreArn?: string | undefined;
  graceSeconds?: number | undefined;
  now?: () => number;
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  fix: string;
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
  edge:
    | {
        functionArn: string;
        latestVersion: string | undefined;
        distributionId: string;
        domainName: string | undefined;
        status: string | undefined;
        behaviors: Array<{ pathPattern: string; version: string }>;
        /** behaviors that run no version of the function */
        unprotected: string[];
        engine?: 'lambda-edge' | 'cloudfront-function';
        /** the CloudFront Functions engine: whether its store holds the digests of AWSCURRENT */
        store?: import('./function-engine.js').StoreState;
      }
    | undefined;
  problems: Problem[];
}

const STUCK_AFTER_MS = 10 * 60_000;

/** AWSCURRENT must parse (else every request gets 503); an unusable AWSPREVIOUS only loses its grace period. */
async function unusableValues(reads: StatusReads, secretId: string, versions: Status['secret']['versions']): Promise<Problem[]> {
  const stages = (['AWSCURRENT', 'AWSPREVIOUS'] as const).filter((stage) => versions.some((v) => v.stages.includes(stage)));
  const [{ parseSecretValue }, ...values] = await Promise.all([
    import('../../handlers/shared/secret-value.js'),
    ...stages.map((stage) =>
      reads.secretString(secretId, stage).then(
        (text) => ({ text }),
        (error: Error) => ({ error }),
      ),
    ),
  ]);
  const problems: Problem[] = [];
  stages.forEach((stage, i) => {
    const value = values[i]!;
    try {
      if ('error' in value) throw value.error;
      parseSecretValue(value.text);
    } catch (error) {
      const why = (error as Error).message; // names fields, never values
      problems.push(
        stage === 'AWSCURRENT'
          ? { severity: 'error', message: `the AWSCURRENT value is unusable (${why}): every request gets 503`, fix: `${again('rotate --now')} (it replaces the value for the configured users)` }
          : { severity: 'warning', message: `the AWSPREVIOUS value is unusable (${why}): no grace period applies to it`, fix: 'nothing to do; the next rotation replaces it' },
      );
    }
  });
  return problems;
}

/** Starts a read now and lets it be awaited later: a failure is only seen where it is awaited. */
function early<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

/**
 * `reads` serve the secret and the Lambda@Edge engine; the CloudFront Functions engine's parts
 * (DescribeFunction, the store) go through the SDK clients, made only when that engine is asked about.
 */
export interface StatusClients {
  reads: StatusReads;
  /** with the knowledge of which edge: for the cloudfront-function engine */
  functionEngine?: { sm: () => Promise<SecretsManagerClient>; cf: () => Promise<CloudFrontClient>; kvs: () => Promise<CloudFrontKeyValueStoreClient> };
}

export async function readStatus(clients: StatusClients, input: StatusInput): Promise<Status> {
  const now = input.now ?? Date.now;
  const { reads } = clients;
  // Against AWS every read is a round trip: the Lambda@Edge reads, which need nothing from the secret's, start with them.
  const lambdaEdge =
    input.functionName && input.distributionId && input.engine !== 'cloudfront-function'
      ? {
          fn: early(reads.functionArn(input.functionName)),
          versions: early(reads.functionVersions(input.functionName)),
          distribution: early(reads.distribution(input.distributionId)),
        }
      : undefined;
  const [described, versionList] = await Promise.all([reads.describeSecret(input.secretId), reads.secretVersions(input.secretId)]).catch((error) => explainAwsError(error, `secret ${input.secretId}`));
  const problems: Problem[] = [];
  const rules = described.RotationRules;
  const secret: Status['secret'] = {
    arn: described.ARN ?? input.secretId,
    name: described.Name ?? input.secretId,
    rotationEnabled: Boolean(described.RotationEnabled),
    schedule: describeRotationRules(rules),
    rotationFunction: described.RotationLambdaARN,
    lastRotated: described.LastRotatedDate?.toISOString(),
    nextRotation: described.NextRotationDate?.toISOString(),
    versions: versionList.map((v) => ({ versionId: v.VersionId ?? '', stages: v.VersionStages ?? [], created: v.CreatedDate?.toISOString() })),
    replicas: (described.ReplicationStatus ?? []).map((r) => ({ region: r.Region ?? '', status: r.Status, message: r.StatusMessage })),
  };

  if (!secret.rotationEnabled) problems.push({ severity: 'warning', message: 'rotation is off: the password never changes', fix: again('rotate --days 30') });
  if (!secret.versions.some((v) => v.stages.includes('AWSCURRENT'))) {
    problems.push({ severity: 'error', message: 'the secret has no password: every request gets 503', fix: again('rotate --now') });
  } else {
    problems.push(...(await unusableValues(reads, input.secretId, secret.versions)));
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
      problems.push({ severity: 'warning', message: `a rotation is in progress (version ${pending.versionId})`, fix: 'wait, then run status again' });
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
    problems.push({ severity: 'warning', message: `replica ${r.region} is ${r.status}${r.message ? `: ${r.message}` : ''}`, fix: 'check the replica in the Secrets Manager console' });
  }

  let edge: Status['edge'];
  const fe = clients.functionEngine;
  if (input.engine === 'cloudfront-function' && input.functionName && input.distributionId && fe) {
    const engine = await import('./function-engine.js');
    const e = await engine.readFunctionEdge(await fe.cf(), input.functionName, input.distributionId);
    const store = input.keyValueStoreArn
      ? await engine.readStoreState({ sm: await fe.sm(), kvs: await fe.kvs() }, { secretId: input.secretId, keyValueStoreArn: input.keyValueStoreArn, graceSeconds: input.graceSeconds }, now())
      : undefined;
    edge = { ...e, latestVersion: 'LIVE', distributionId: input.distributionId, engine: 'cloudfront-function', ...(store ? { store } : {}) };
    if (store) problems.push(...engine.storeProblems(store));
    const leftOut = input.leaveUnprotected ?? [];
    for (const p of e.unprotected.filter((x) => !leftOut.includes(x))) {
      problems.push({
        severity: 'error',
        message: `cache behavior ${p} does not run the CloudFront function ${input.functionName}: its requests skip the password check`,
        fix: 'associate the function with it, or name it in distribution.leaveUnprotected if that is on purpose',
      });
    }
  } else if (lambdaEdge && input.functionName && input.distributionId) {
    const fn = await lambdaEdge.fn.catch((error: { name?: string }) => {
      if (error.name === 'ResourceNotFoundException')
        throw new CliError(`no function named ${input.functionName} in us-east-1`, { hint: 'check --function (the edge function, by name or ARN), or deploy first', cause: error });
      throw error;
    });
    const functionArn = fn.arn;
    const latestVersion = (await lambdaEdge.versions).at(-1)?.version;
    const d = await lambdaEdge.distribution.catch((error: { name?: string }) => {
      if (error.name === 'NoSuchDistribution')
        throw new CliError(`no distribution ${input.distributionId}`, { hint: 'check --distribution (the id, as E2QWRUHAPOMQZL), or deploy first', cause: error });
      throw error;
    });
    const config = d.config;
    const behaviors = versionsInUse(config, functionArn);
    const leftOut = input.leaveUnprotected ?? [];
    const gaps = protectionGaps(config, functionArn, latestVersion, leftOut);
    const unprotected = allBehaviors(config)
      .map((b) => b.pathPattern)
      .filter((p) => !behaviors.some((b) => b.pathPattern === p));
    edge = { functionArn, latestVersion, distributionId: input.distributionId, domainName: d.domainName, status: d.status, behaviors, unprotected };
    for (const gap of gaps) {
      problems.push(
        gap.runs === undefined
          ? {
              severity: 'error',
              message: `cache behavior ${gap.pathPattern} runs no version of ${fn.name}: its requests skip the password check`,
              fix: `${again('attach')} (or name it in distribution.leaveUnprotected if that is on purpose)`,
            }
          : { severity: 'error', message: `cache behavior ${gap.pathPattern} runs version ${gap.runs} of ${fn.name}; the current one is ${latestVersion}`, fix: again('publish') },
      );
    }
    const onPurpose = unprotected.filter((p) => leftOut.includes(p));
    if (onPurpose.length > 0)
      problems.push({ severity: 'warning', message: `left unprotected on purpose (distribution.leaveUnprotected): ${onPurpose.join(', ')}`, fix: 'nothing, if anyone may read them' });
  }
  return { secret, edge, problems };
}
