// `attach` / `detach`: add or remove the viewer-request association on a
// distribution basicauth did not create, through the same read-edit-write
// path as publish. Every behavior is protected unless it is named as left
// unprotected: an ordered behavior such as /api/* is as reachable as the default.

import type {
  CacheBehavior,
  CloudFrontClient,
  DefaultCacheBehavior,
  DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { CliError } from '../core/errors.js';
import { unqualified, updateDistributionConfig } from './distribution.js';
import { again } from '../core/next-steps.js';

export interface AttachInput {
  distributionId: string;
  /** qualified ARN of the edge function version */
  functionVersionArn: string;
  /** behaviors left without the function, by path pattern ('*' is the default behavior) */
  leaveUnprotected: string[];
  replace: boolean;
  /** basicauth's noindex policy, for the protected behaviors that have no response headers policy of their own */
  responseHeadersPolicyId?: string | undefined;
}

export const DEFAULT_BEHAVIOR = '*';

type Behavior = DefaultCacheBehavior | CacheBehavior;

/** Every cache behavior with its path pattern, the default one first as '*'. */
export function allBehaviors(config: DistributionConfig): Array<{ pathPattern: string; behavior: Behavior }> {
  return [
    ...(config.DefaultCacheBehavior
      ? [{ pathPattern: DEFAULT_BEHAVIOR, behavior: config.DefaultCacheBehavior as Behavior }]
      : []),
    ...(config.CacheBehaviors?.Items ?? []).map((b) => ({
      pathPattern: b.PathPattern ?? '?',
      behavior: b as Behavior,
    })),
  ];
}

/** The behaviors to protect: all but the named ones, each of which must exist. */
function protectedBehaviors(config: DistributionConfig, leaveUnprotected: string[]) {
  const all = allBehaviors(config);
  for (const pattern of leaveUnprotected) {
    if (!all.some((b) => b.pathPattern === pattern)) {
      throw new CliError(`the distribution has no cache behavior ${pattern} to leave unprotected`, {
        hint: `its behaviors: ${all.map((b) => b.pathPattern).join(', ')} ('*' is the default one)`,
      });
    }
  }
  return all.filter((b) => !leaveUnprotected.includes(b.pathPattern));
}

export async function attach(
  cf: CloudFrontClient,
  input: AttachInput,
): Promise<{ changed: string[]; unprotected: string[]; attempts: number; noindex: string[]; ownPolicy: string[] }> {
  const changed: string[] = [];
  const noindex: string[] = [];
  const ownPolicy: string[] = [];
  const result = await updateDistributionConfig(cf, input.distributionId, (config) => {
    changed.length = 0;
    noindex.length = 0;
    ownPolicy.length = 0;
    const targets = protectedBehaviors(config, input.leaveUnprotected);
    // CloudFront refuses Lambda@Edge beside a CloudFront Function on viewer events: say so before changing anything
    const clashes = targets.filter(({ behavior }) =>
      (behavior.FunctionAssociations?.Items ?? []).some((f) => f.EventType?.startsWith('viewer-')),
    );
    if (clashes.length > 0) {
      const names = clashes.map((b) => b.pathPattern);
      throw new CliError(
        `behavior ${names.join(', ')} already runs a CloudFront Function on a viewer event, and CloudFront cannot combine it with Lambda@Edge there`,
        {
          hint: `leave it out with ${names.map((n) => `--leave-unprotected '${n}'`).join(' ')}, remove that CloudFront Function from it first, or protect the site with the cloudfront-function engine instead`,
        },
      );
    }
    for (const { pathPattern, behavior } of targets) {
      // a behavior holds one response headers policy: one of the user's own stays, and they are told
      const policy = input.responseHeadersPolicyId;
      if (policy && behavior.ResponseHeadersPolicyId !== policy) {
        if (behavior.ResponseHeadersPolicyId) ownPolicy.push(pathPattern);
        else {
          behavior.ResponseHeadersPolicyId = policy;
          noindex.push(pathPattern);
        }
      }
      const items = behavior.LambdaFunctionAssociations?.Items ?? [];
      const existing = items.find((a) => a.EventType === 'viewer-request');
      if (existing?.LambdaFunctionARN === input.functionVersionArn) continue;
      if (
        existing &&
        unqualified(existing.LambdaFunctionARN ?? '') !== unqualified(input.functionVersionArn) &&
        !input.replace
      ) {
        throw new CliError(
          `behavior ${pathPattern} already runs viewer-request function ${existing.LambdaFunctionARN}`,
          {
            hint: 'detach it first, pass --replace, or name it with --leave-unprotected',
          },
        );
      }
      const others = items.filter((a) => a.EventType !== 'viewer-request');
      const next = [
        ...others,
        { EventType: 'viewer-request' as const, LambdaFunctionARN: input.functionVersionArn, IncludeBody: false },
      ];
      behavior.LambdaFunctionAssociations = { Quantity: next.length, Items: next };
      changed.push(pathPattern);
    }
    return changed.length > 0 || noindex.length > 0;
  });
  return { changed, unprotected: input.leaveUnprotected, attempts: result.attempts, noindex, ownPolicy };
}

/** Removes the function from every behavior (or only the named ones). */
export async function detach(
  cf: CloudFrontClient,
  input: {
    distributionId: string;
    functionVersionArn: string;
    pathPatterns: string[];
    /** basicauth's noindex policy: taken off too (destroy deletes it, and CloudFront refuses to delete one in use) */
    responseHeadersPolicyId?: string | undefined;
  },
): Promise<{ changed: string[]; attempts: number }> {
  const changed: string[] = [];
  const target = unqualified(input.functionVersionArn);
  const result = await updateDistributionConfig(cf, input.distributionId, (config) => {
    changed.length = 0;
    const all = allBehaviors(config);
    for (const pattern of input.pathPatterns) {
      if (!all.some((b) => b.pathPattern === pattern))
        throw new CliError(`the distribution has no cache behavior ${pattern}`, {
          hint: `its behaviors: ${all.map((b) => b.pathPattern).join(', ')}`,
        });
    }
    for (const { pathPattern, behavior } of all.filter(
      (b) => input.pathPatterns.length === 0 || input.pathPatterns.includes(b.pathPattern),
    )) {
      const items = behavior.LambdaFunctionAssociations?.Items ?? [];
      const kept = items.filter(
        (a) => !(a.EventType === 'viewer-request' && unqualified(a.LambdaFunctionARN ?? '') === target),
      );
      const ours = input.responseHeadersPolicyId && behavior.ResponseHeadersPolicyId === input.responseHeadersPolicyId;
      if (ours) behavior.ResponseHeadersPolicyId = undefined;
      if (kept.length === items.length) {
        if (ours) changed.push(pathPattern);
        continue;
      }
      behavior.LambdaFunctionAssociations = { Quantity: kept.length, ...(kept.length ? { Items: kept } : {}) };
      changed.push(pathPattern);
    }
    return changed.length > 0;
  });
  return { changed, attempts: result.attempts };
}

export interface ProtectionGap {
  pathPattern: string;
  /** the version it runs, or undefined when it runs no version of the function */
  runs: string | undefined;
}

/** Behaviors that should run `latestVersion` of the function and do not (the named exceptions aside). */
export function protectionGaps(
  config: DistributionConfig,
  functionArn: string,
  latestVersion: string | undefined,
  leaveUnprotected: string[] = [],
): ProtectionGap[] {
  const target = unqualified(functionArn);
  return allBehaviors(config)
    .filter((b) => !leaveUnprotected.includes(b.pathPattern))
    .map(({ pathPattern, behavior }) => {
      const arn = behavior.LambdaFunctionAssociations?.Items?.find(
        (a) => a.EventType === 'viewer-request' && unqualified(a.LambdaFunctionARN ?? '') === target,
      )?.LambdaFunctionARN;
      return { pathPattern, runs: arn ? arn.slice(target.length + 1) : undefined };
    })
    .filter((b) => b.runs === undefined || (latestVersion !== undefined && b.runs !== latestVersion));
}

/**
 * The function version attach or detach works with: the one asked for, the
 * latest published (attach), or the unqualified function (detach: every
 * version of it).
 */
export async function pickFunctionVersion(
  lambda: LambdaClient,
  functionName: string,
  options: { version?: string | undefined; verb: 'attach' | 'detach' },
): Promise<string> {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  if (options.version)
    return (
      await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: options.version }))
    ).FunctionArn as string;
  if (options.verb === 'attach') {
    const { publishedVersions } = await import('./distribution.js');
    const latest = (await publishedVersions(lambda, functionName)).at(-1);
    if (!latest)
      throw new CliError(`function ${functionName} has no published version`, {
        hint: `run ${again('publish')}, or deploy`,
      });
    return latest.arn;
  }
  return (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).FunctionArn as string;
}
