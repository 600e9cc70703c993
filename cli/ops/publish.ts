// `publish`: force every edge to cold-start. Lambda returns the existing
// version when nothing changed, so the description changes first; then every
// cache behavior that runs the function is re-pointed to the new version.

import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CliError } from '../errors.js';
import type { Emit } from '../events.js';
import { pointViewerRequest, updateDistributionConfig, versionsInUse } from './distribution.js';

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

export async function publish(lambda: LambdaClient, cf: CloudFrontClient, input: PublishInput, emit: Emit): Promise<PublishResult> {
  const now = input.now ?? Date.now;
  const { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, PublishVersionCommand } = await import('@aws-sdk/client-lambda');
  const { GetDistributionCommand, GetDistributionConfigCommand } = await import('@aws-sdk/client-cloudfront');

  emit({ type: 'step.start', id: 'version', title: 'publish a new function version' });
  const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: input.functionName })).catch((error: { name?: string; message?: string }) => {
    if (error.name === 'ResourceNotFoundException') throw new CliError(`function ${input.functionName} not found in us-east-1`, { hint: 'check --function, or deploy first' });
    throw error;
  });
  const functionArn = latest.FunctionArn as string;
  const before = await cf.send(new GetDistributionConfigCommand({ Id: input.distributionId })).catch((error: { name?: string }) => {
    if (error.name === 'NoSuchDistribution') throw new CliError(`distribution ${input.distributionId} does not exist`, { hint: 'check --distribution' });
    throw error;
  });
  if (!before.DistributionConfig) throw new CliError(`distribution ${input.distributionId} returned no configuration`);
  const inUse = versionsInUse(before.DistributionConfig, functionArn);
  if (inUse.length === 0) {
    throw new CliError(`no cache behavior of distribution ${input.distributionId} runs ${latest.FunctionName}`, { hint: 'attach it first with `basicauth attach`' });
  }
  // The description is part of the configuration: changing it makes
  // PublishVersion create a version instead of returning the last one.
  const stamp = `basicauth publish ${new Date(now()).toISOString()}`;
  const description = `${(latest.Description ?? '').replace(/\s*\(basicauth publish [^)]*\)$/, '')} (${stamp})`.trim().slice(0, 256);
  const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionArn, Description: description, ...(latest.RevisionId ? { RevisionId: latest.RevisionId } : {}) }));
  const published = await lambda.send(new PublishVersionCommand({ FunctionName: functionArn, Description: stamp, ...(updated.RevisionId ? { RevisionId: updated.RevisionId } : {}) }));
  const version = published.Version as string;
  if (inUse.some((b) => Number(b.version) >= Number(version))) {
    throw new CliError(`Lambda returned version ${version}, not newer than what the distribution runs`, { hint: 'someone published at the same moment; run publish again' });
  }
  emit({ type: 'step.done', id: 'version', detail: `version ${version}` });

  emit({ type: 'step.start', id: 'repoint', title: `point the distribution ${input.distributionId} at version ${version}` });
  const qualified = `${functionArn}:${version}`;
  const update = await updateDistributionConfig(cf, input.distributionId, pointViewerRequest(functionArn, qualified));
  const behaviors = inUse.map((b) => ({ pathPattern: b.pathPattern, from: b.version, to: version }));
  emit({ type: 'step.done', id: 'repoint', detail: `${behaviors.length} behavior(s)${update.attempts > 1 ? `, ${update.attempts} attempts (the config changed underneath)` : ''}` });
  const result: PublishResult = { functionArn, version, behaviors, distributionId: input.distributionId, updateAttempts: update.attempts, status: update.status, waitedMs: undefined };
  if (!input.wait) return result;

  emit({ type: 'step.start', id: 'deploy', title: 'wait until the distribution is Deployed' });
  const started = now();
  let reported = started;
  for (;;) {
    const d = await cf.send(new GetDistributionCommand({ Id: input.distributionId }));
    const status = d.Distribution?.Status;
    if (status === 'Deployed') {
      emit({ type: 'step.done', id: 'deploy' });
      return { ...result, status, waitedMs: now() - started };
    }
    if (now() - started > input.timeoutMs) {
      emit({ type: 'step.fail', id: 'deploy', error: 'timed out' });
      throw new CliError(`distribution ${input.distributionId} is still ${status} after ${Math.round(input.timeoutMs / 1000)} s`, {
        hint: 'CloudFront keeps deploying: check later with `basicauth status`; version ' + version + ' is already published and associated',
      });
    }
    if (now() - reported >= 10_000) {
      reported = now();
      emit({ type: 'log', level: 'info', message: `distribution ${input.distributionId} still ${status ?? 'unknown'} after ${Math.round((reported - started) / 1000)} s` });
    }
    await new Promise((r) => setTimeout(r, input.pollMs));
  }
}
