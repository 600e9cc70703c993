// `publish`: force every edge to cold-start. Lambda returns the existing
// version when nothing changed, so the description changes first; then every
// cache behavior that runs the function is re-pointed to the new version.

import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CliError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import { pointViewerRequest, updateDistributionConfig, versionsInUse } from './distribution.js';
import { pollUntil, waitDistributionDeployed } from './poll.js';
import { again } from '../core/next-steps.js';
import { notFound } from '../aws/errors.js';

export interface PublishInput {
  functionName: string;
  distributionId: string;
  wait: boolean;
  timeoutMs: number;
  pollMs: number;
  now?: () => number;
}

export interface PublishResult {
  functionArn: string;
  version: string;
  behaviors: Array<{ pathPattern: string; from: string; to: string }>;
  distributionId: string;
  updateAttempts: number;
  status: string | undefined;
  waitedMs: number | undefined;
}

/** How often publish starts over when the function's revision changed under it. */
const PUBLISH_ATTEMPTS = 3;

export async function publish(
  lambda: LambdaClient,
  cf: CloudFrontClient,
  input: PublishInput,
  emit: Emit,
): Promise<PublishResult> {
  const now = input.now ?? Date.now;
  const { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, PublishVersionCommand } = await import(
    '@aws-sdk/client-lambda'
  );
  const { GetDistributionConfigCommand } = await import('@aws-sdk/client-cloudfront');

  emit({ type: 'step.start', id: 'version', title: 'publish a new function version' });
  const latest = await lambda
    .send(new GetFunctionConfigurationCommand({ FunctionName: input.functionName }))
    .catch(notFound(`function ${input.functionName} not found in us-east-1`, 'check --function, or deploy first'));
  const functionArn = latest.FunctionArn as string;
  const before = await cf
    .send(new GetDistributionConfigCommand({ Id: input.distributionId }))
    .catch(notFound(`distribution ${input.distributionId} does not exist`, 'check --distribution'));
  if (!before.DistributionConfig) throw new CliError(`distribution ${input.distributionId} returned no configuration`);
  const inUse = versionsInUse(before.DistributionConfig, functionArn);
  if (inUse.length === 0) {
    throw new CliError(`no cache behavior of distribution ${input.distributionId} runs ${latest.FunctionName}`, {
      hint: `attach it first with \`${again('attach')}\``,
    });
  }
  // The description is part of the configuration: changing it makes
  // PublishVersion create a version instead of returning the last one.
  const stamp = `basicauth publish ${new Date(now()).toISOString()}`;
  // Both calls name the revision they saw: another publish (or deploy) in between makes Lambda answer
  // PreconditionFailedException, and this one starts over from the function as it now is.
  let version: string | undefined;
  for (let attempt = 1, current = latest; version === undefined; attempt++) {
    const description = `${(current.Description ?? '').replace(/\s*\(basicauth publish [^)]*\)$/, '')} (${stamp})`
      .trim()
      .slice(0, 256);
    try {
      // Lambda refuses changes while an update is in progress (LastUpdateStatus InProgress): wait before and after ours.
      await waitFunctionUpdated(lambda, functionArn, input, emit);
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionArn,
          Description: description,
          ...(current.RevisionId ? { RevisionId: current.RevisionId } : {}),
        }),
      );
      const updated = await waitFunctionUpdated(lambda, functionArn, input, emit);
      const published = await lambda.send(
        new PublishVersionCommand({
          FunctionName: functionArn,
          Description: stamp,
          ...(updated.RevisionId ? { RevisionId: updated.RevisionId } : {}),
        }),
      );
      version = published.Version as string;
    } catch (error) {
      if ((error as { name?: string }).name !== 'PreconditionFailedException') throw error;
      if (attempt >= PUBLISH_ATTEMPTS) {
        throw new CliError(
          `someone else is changing ${latest.FunctionName} at the same moment: its revision changed under this publish ${attempt} times`,
          {
            hint: `wait for the other publish or deploy to finish (${again('status')}), then publish again`,
          },
        );
      }
      emit({
        type: 'log',
        level: 'info',
        message: `${latest.FunctionName} changed under this publish (another publish or deploy?): starting over from its new revision`,
      });
      current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }));
    }
  }
  if (inUse.some((b) => Number(b.version) >= Number(version))) {
    throw new CliError(`Lambda returned version ${version}, not newer than what the distribution runs`, {
      hint: 'someone published at the same moment; run publish again',
    });
  }
  // PublishVersion answers State Pending; CloudFront refuses a Pending version ("The function must be in an Active state")
  await waitVersionActive(lambda, `${functionArn}:${version}`, input, emit);
  emit({ type: 'step.done', id: 'version', detail: `${latest.FunctionName}:${version}` });

  emit({
    type: 'step.start',
    id: 'repoint',
    title: `point the distribution ${input.distributionId} at version ${version}`,
  });
  const qualified = `${functionArn}:${version}`;
  const update = await updateDistributionConfig(
    cf,
    input.distributionId,
    pointViewerRequest(functionArn, qualified),
  ).catch((error: { name?: string }) => {
    if (error.name !== 'PreconditionFailed') throw error;
    throw new CliError(
      `someone else is changing distribution ${input.distributionId}: it changed under every attempt to point it at version ${version}`,
      {
        hint: `version ${version} is published; once the other change is done, ${again('publish')} points the distribution at a new one (or ${again('attach')} at the latest)`,
      },
    );
  });
  const behaviors = inUse.map((b) => ({ pathPattern: b.pathPattern, from: b.version, to: version }));
  emit({
    type: 'step.done',
    id: 'repoint',
    detail: `${behaviors.length} ${behaviors.length === 1 ? 'behavior' : 'behaviors'}${update.attempts > 1 ? `, ${update.attempts} attempts (the config changed underneath)` : ''}`,
  });
  const result: PublishResult = {
    functionArn,
    version,
    behaviors,
    distributionId: input.distributionId,
    updateAttempts: update.attempts,
    status: update.status,
    waitedMs: undefined,
  };
  if (!input.wait) return result;

  const { waitedMs } = await waitDistributionDeployed(cf, input.distributionId, {
    title: 'wait until the distribution is Deployed',
    everyMs: input.pollMs,
    timeoutMs: input.timeoutMs,
    emit,
    now,
    hint: `CloudFront keeps deploying: check later with \`${again('status')}\`; version ${version} is already published and associated`,
  });
  return { ...result, status: 'Deployed', waitedMs };
}

/** Waits until the function's last update has finished (LastUpdateStatus Successful); a failed update is an error. */
export async function waitFunctionUpdated(
  lambda: LambdaClient,
  functionName: string,
  o: { timeoutMs: number; pollMs: number; now?: () => number },
  emit: Emit,
) {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const { value } = await pollUntil({
    what: `function ${functionName} to finish updating`,
    check: async () => {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      if (config.LastUpdateStatus === 'Failed') {
        throw new CliError(
          `the last update of ${functionName} failed: ${config.LastUpdateStatusReason ?? config.LastUpdateStatusReasonCode ?? 'no reason given'}`,
          {
            hint: 'fix the function (deploy again), then publish',
          },
        );
      }
      const busy = config.State === 'Pending' || config.LastUpdateStatus === 'InProgress';
      return busy
        ? { done: false, state: `${config.State}, ${config.LastUpdateStatus}` }
        : { done: true, value: config };
    },
    everyMs: Math.min(o.pollMs, 1000),
    timeoutMs: o.timeoutMs,
    emit,
    ...(o.now ? { now: o.now } : {}),
    onTimeout: (state) =>
      new CliError(`function ${functionName} is still updating (${state}) after ${Math.round(o.timeoutMs / 1000)} s`, {
        hint: 'Lambda is slow to apply the change: run publish again in a minute',
      }),
  });
  return value;
}

/**
 * Waits until a published version is Active: right after PublishVersion it is
 * Pending, and UpdateDistribution refuses to associate it ("The function must
 * be in an Active state. The current state for function … is Pending").
 */
export async function waitVersionActive(
  lambda: LambdaClient,
  qualifiedArn: string,
  o: { timeoutMs: number; pollMs: number; now?: () => number },
  emit: Emit,
): Promise<void> {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const colon = qualifiedArn.lastIndexOf(':');
  const [name, qualifier] = [qualifiedArn.slice(0, colon), qualifiedArn.slice(colon + 1)];
  await pollUntil({
    what: `version ${qualifier} of ${name} to become Active`,
    check: async () => {
      const config = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier }),
      );
      if (config.State === 'Failed' || config.State === 'Inactive') {
        throw new CliError(
          `version ${qualifier} of ${name} is ${config.State}: ${config.StateReason ?? config.StateReasonCode ?? 'no reason given'}`,
          {
            hint:
              config.State === 'Inactive'
                ? `invoke it once or publish a new version (${again('publish')})`
                : 'fix the function (deploy again), then publish',
          },
        );
      }
      return config.State === 'Active' || config.State === undefined
        ? { done: true, value: config }
        : { done: false, state: config.State };
    },
    everyMs: Math.min(o.pollMs, 1000),
    timeoutMs: o.timeoutMs,
    emit,
    ...(o.now ? { now: o.now } : {}),
    onTimeout: (state) =>
      new CliError(`version ${qualifier} of ${name} is still ${state} after ${Math.round(o.timeoutMs / 1000)} s`, {
        hint: 'Lambda is slow to activate it: run the command again in a minute',
      }),
  });
}
