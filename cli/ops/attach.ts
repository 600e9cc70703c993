// `attach` / `detach`: add or remove the viewer-request association on a
// distribution basicauth did not create, through the same read-edit-write
// path as publish.

import type { CacheBehavior, CloudFrontClient, DefaultCacheBehavior, DistributionConfig } from '@aws-sdk/client-cloudfront';
import { CliError } from '../errors.js';
import { unqualified, updateDistributionConfig } from './distribution.js';

export interface AttachInput {
  distributionId: string;
  /** qualified ARN of the edge function version */
  functionVersionArn: string;
  /** behaviors by path pattern; empty = the default behavior */
  pathPatterns: string[];
  replace: boolean;
}

function behaviorsOf(config: DistributionConfig, pathPatterns: string[]): Array<{ name: string; behavior: DefaultCacheBehavior | CacheBehavior }> {
  if (pathPatterns.length === 0) {
    if (!config.DefaultCacheBehavior) throw new CliError('the distribution has no default cache behavior');
    return [{ name: 'default (*)', behavior: config.DefaultCacheBehavior }];
  }
  return pathPatterns.map((pattern) => {
    const behavior = config.CacheBehaviors?.Items?.find((b) => b.PathPattern === pattern);
    if (!behavior) {
      const known = (config.CacheBehaviors?.Items ?? []).map((b) => b.PathPattern).join(', ') || 'none';
      throw new CliError(`the distribution has no cache behavior for path pattern ${pattern}`, { hint: `its path patterns: ${known}` });
    }
    return { name: pattern, behavior };
  });
}

export async function attach(cf: CloudFrontClient, input: AttachInput): Promise<{ changed: string[]; attempts: number }> {
  const changed: string[] = [];
  const result = await updateDistributionConfig(cf, input.distributionId, (config) => {
    changed.length = 0;
    for (const { name, behavior } of behaviorsOf(config, input.pathPatterns)) {
      const items = behavior.LambdaFunctionAssociations?.Items ?? [];
      const existing = items.find((a) => a.EventType === 'viewer-request');
      if (existing?.LambdaFunctionARN === input.functionVersionArn) continue;
      if (existing && unqualified(existing.LambdaFunctionARN ?? '') !== unqualified(input.functionVersionArn) && !input.replace) {
        throw new CliError(`behavior ${name} already runs viewer-request function ${existing.LambdaFunctionARN}`, { hint: 'detach it first, or pass --replace' });
      }
      const others = items.filter((a) => a.EventType !== 'viewer-request');
      const next = [...others, { EventType: 'viewer-request' as const, LambdaFunctionARN: input.functionVersionArn, IncludeBody: false }];
      behavior.LambdaFunctionAssociations = { Quantity: next.length, Items: next };
      changed.push(name);
    }
    return changed.length > 0;
  });
  return { changed, attempts: result.attempts };
}

export async function detach(cf: CloudFrontClient, input: Omit<AttachInput, 'replace'>): Promise<{ changed: string[]; attempts: number }> {
  const changed: string[] = [];
  const target = unqualified(input.functionVersionArn);
  const result = await updateDistributionConfig(cf, input.distributionId, (config) => {
    changed.length = 0;
    const all = input.pathPatterns.length > 0 ? behaviorsOf(config, input.pathPatterns) : [
      ...(config.DefaultCacheBehavior ? [{ name: 'default (*)', behavior: config.DefaultCacheBehavior as DefaultCacheBehavior | CacheBehavior }] : []),
      ...(config.CacheBehaviors?.Items ?? []).map((b) => ({ name: b.PathPattern ?? '?', behavior: b as DefaultCacheBehavior | CacheBehavior })),
    ];
    for (const { name, behavior } of all) {
      const items = behavior.LambdaFunctionAssociations?.Items ?? [];
      const kept = items.filter((a) => !(a.EventType === 'viewer-request' && unqualified(a.LambdaFunctionARN ?? '') === target));
      if (kept.length === items.length) continue;
      behavior.LambdaFunctionAssociations = { Quantity: kept.length, ...(kept.length ? { Items: kept } : {}) };
      changed.push(name);
    }
    return changed.length > 0;
  });
  return { changed, attempts: result.attempts };
}
