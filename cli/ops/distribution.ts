// Changing a distribution the way CloudFront wants it: read the whole config
// with its ETag, edit it, write it back with If-Match, and start again when
// someone else changed it in between (PreconditionFailed).

import type {
  CacheBehavior,
  CloudFrontClient,
  DefaultCacheBehavior,
  DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CliError } from '../core/errors.js';

/** Edits the config in place; returns false when nothing needed to change. */
export type ConfigEdit = (config: DistributionConfig) => boolean;

export interface UpdateResult {
  changed: boolean;
  etag: string | undefined;
  status: string | undefined;
  attempts: number;
}

export async function updateDistributionConfig(
  cf: CloudFrontClient,
  id: string,
  edit: ConfigEdit,
  maxAttempts = 5,
): Promise<UpdateResult> {
  const { GetDistributionConfigCommand, UpdateDistributionCommand } = await import('@aws-sdk/client-cloudfront');
  for (let attempt = 1; ; attempt++) {
    const current = await cf.send(new GetDistributionConfigCommand({ Id: id }));
    const config = current.DistributionConfig;
    if (!config) throw new CliError(`distribution ${id} returned no configuration`);
    if (!edit(config)) return { changed: false, etag: current.ETag, status: undefined, attempts: attempt };
    try {
      const updated = await cf.send(
        new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: config }),
      );
      return { changed: true, etag: updated.ETag, status: updated.Distribution?.Status, attempts: attempt };
    } catch (error) {
      if ((error as { name?: string }).name !== 'PreconditionFailed' || attempt >= maxAttempts) throw error;
    }
  }
}

/** A function ARN without its version qualifier. */
export const unqualified = (arn: string) => arn.replace(/:(\d+|\$LATEST)$/, '');

/** The numbered versions of a function, oldest first (ListVersionsByFunction, every page). */
export async function publishedVersions(
  lambda: LambdaClient,
  functionName: string,
): Promise<Array<{ version: string; arn: string }>> {
  const { ListVersionsByFunctionCommand } = await import('@aws-sdk/client-lambda');
  const out: Array<{ version: string; arn: string }> = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: functionName, ...(marker ? { Marker: marker } : {}) }),
    );
    for (const v of page.Versions ?? [])
      if (/^\d+$/.test(v.Version ?? '')) out.push({ version: v.Version as string, arn: v.FunctionArn as string });
    marker = page.NextMarker;
  } while (marker);
  return out.sort((a, b) => Number(a.version) - Number(b.version));
}

/**
 * Points every viewer-request association of `functionArn` (any version) at
 * `qualifiedArn`. Other associations and the rest of the config stay as they are.
 */
export function pointViewerRequest(functionArn: string, qualifiedArn: string): ConfigEdit {
  const target = unqualified(functionArn);
  return (config) => {
    let changed = false;
    const behaviors: Array<DefaultCacheBehavior | CacheBehavior> = [
      ...(config.DefaultCacheBehavior ? [config.DefaultCacheBehavior] : []),
      ...(config.CacheBehaviors?.Items ?? []),
    ];
    for (const behavior of behaviors) {
      for (const association of behavior.LambdaFunctionAssociations?.Items ?? []) {
        if (
          association.EventType === 'viewer-request' &&
          association.LambdaFunctionARN &&
          unqualified(association.LambdaFunctionARN) === target &&
          association.LambdaFunctionARN !== qualifiedArn
        ) {
          association.LambdaFunctionARN = qualifiedArn;
          changed = true;
        }
      }
    }
    return changed;
  };
}

/** The versions of `functionArn` each behavior runs (default behavior first). */
export function versionsInUse(
  config: DistributionConfig,
  functionArn: string,
): Array<{ pathPattern: string; version: string }> {
  const target = unqualified(functionArn);
  const out: Array<{ pathPattern: string; version: string }> = [];
  const visit = (pathPattern: string, behavior: DefaultCacheBehavior | CacheBehavior | undefined) => {
    for (const a of behavior?.LambdaFunctionAssociations?.Items ?? []) {
      if (a.EventType === 'viewer-request' && a.LambdaFunctionARN && unqualified(a.LambdaFunctionARN) === target) {
        out.push({ pathPattern, version: a.LambdaFunctionARN.slice(target.length + 1) });
      }
    }
  };
  visit('*', config.DefaultCacheBehavior);
  for (const b of config.CacheBehaviors?.Items ?? []) visit(b.PathPattern ?? '?', b);
  return out;
}
