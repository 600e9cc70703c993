// The Lambda@Edge engine's side of status, publish, rotate, users and deploy:
// the function reads the secret itself (a rotation reaches the edge as caches
// refresh), and each cache behavior runs a numbered version of it.

import { CliError } from '../core/errors.js';
import { again } from '../core/next-steps.js';
import { EDGE_REGIONS } from '../../handlers/edge-auth/regions.js';
import type { EdgeEngine, Problem } from './types.js';
import { notFound } from '../aws/errors.js';

export const lambdaEdge: EdgeEngine = {
  async readEdge(target, { functionName, distributionId }, reads) {
    const [{ allBehaviors, protectionGaps }, { versionsInUse }] = await Promise.all([
      import('../ops/attach.js'),
      import('../ops/distribution.js'),
    ]);
    // three round trips against AWS: started together, each failure explained where it is awaited
    const [fnRead, versionsRead, distributionRead] = [
      reads.functionArn(functionName),
      reads.functionVersions(functionName),
      reads.distribution(distributionId),
    ];
    for (const read of [fnRead, versionsRead, distributionRead]) read.catch(() => {});
    const fn = await fnRead.catch(
      notFound(
        `no function named ${functionName} in us-east-1`,
        'check --function (the edge function, by name or ARN), or deploy first',
      ),
    );
    const latestVersion = (await versionsRead).at(-1)?.version;
    const d = await distributionRead.catch(
      notFound(
        `no distribution ${distributionId}`,
        'check --distribution (the id, as E2QWRUHAPOMQZL), or deploy first',
      ),
    );
    const behaviors = versionsInUse(d.config, fn.arn);
    const leftOut = target.leaveUnprotected;
    const unprotected = allBehaviors(d.config)
      .map((b) => b.pathPattern)
      .filter((p) => !behaviors.some((b) => b.pathPattern === p));
    const problems: Problem[] = protectionGaps(d.config, fn.arn, latestVersion, leftOut).map((gap) =>
      gap.runs === undefined
        ? {
            severity: 'error',
            message: `cache behavior ${gap.pathPattern} runs no version of ${fn.name}: its requests skip the password check`,
            fix: `${again('attach')} (or name it in distribution.leaveUnprotected if that is on purpose)`,
          }
        : {
            severity: 'error',
            message: `cache behavior ${gap.pathPattern} runs version ${gap.runs} of ${fn.name}; the current one is ${latestVersion}`,
            fix: again('publish'),
          },
    );
    const onPurpose = unprotected.filter((p) => leftOut.includes(p));
    if (onPurpose.length > 0)
      problems.push({
        severity: 'warning',
        message: `left unprotected on purpose (distribution.leaveUnprotected): ${onPurpose.join(', ')}`,
        fix: 'nothing, if anyone may read them',
      });
    return {
      edge: {
        engine: 'lambda-edge',
        functionArn: fn.arn,
        latestVersion,
        distributionId,
        domainName: d.domainName,
        status: d.status,
        behaviors,
        unprotected,
      },
      problems,
    };
  },

  async publish(target, edge, { wait, timeoutMs }, emit) {
    const { publish } = await import('../ops/publish.js');
    const result = await publish(
      await target.clients.lambda(),
      await target.clients.cloudfront(),
      { ...edge, wait, timeoutMs, pollMs: target.local ? 250 : 15_000 },
      emit,
    );
    const moved = result.behaviors.map((b) => `${b.pathPattern}: ${b.from} → ${b.to}`).join(', ');
    const waited = result.waitedMs !== undefined ? ` after ${(result.waitedMs / 1000).toFixed(1)} s` : '';
    return {
      data: result,
      text: `Published version ${result.version} of ${result.functionArn} (${moved}); distribution ${result.distributionId} is ${result.status ?? 'updating'}${waited}.`,
    };
  },

  async afterRotation(_target, rotated) {
    return {
      data: {},
      text: `Rotated ${rotated.secretId}: version ${rotated.versionId} is current (${(rotated.durationMs / 1000).toFixed(1)} s). Edges accept it within their refresh interval and refuse the old password once their cache TTL (plus any grace period) has passed.`,
    };
  },

  async afterUsersChange() {
    return {
      revoked:
        'Edges stop accepting them, grace period or not, when their cache next refreshes: within the cache TTL (5 min by default).',
    };
  },

  tokenRevocation:
    'Edges refuse it, and its cookies, within edge.refreshMinIntervalSeconds (1 s by default): each one reads the secret again before it trusts a token for longer.',

  // Lambda@Edge logs in the region that ran it, to a group named after the function's home (us-east-1).
  logGroups: (functionName) => ({
    name: `/aws/lambda/us-east-1.${/:function:([^:]+)/.exec(functionName)?.[1] ?? functionName}`,
    regions: EDGE_REGIONS,
  }),

  async checkProtection(target, deployed) {
    const [{ GetDistributionConfigCommand }, { protectionGaps }, { unqualified }] = await Promise.all([
      import('@aws-sdk/client-cloudfront'),
      import('../ops/attach.js'),
      import('../ops/distribution.js'),
    ]);
    const current = await (await target.clients.cloudfront()).send(
      new GetDistributionConfigCommand({ Id: deployed.distributionId }),
    );
    const version = deployed.functionQualifiedArn.split(':').at(-1);
    const gaps = protectionGaps(
      current.DistributionConfig ?? ({} as never),
      unqualified(deployed.functionQualifiedArn),
      version,
      target.leaveUnprotected,
    );
    if (gaps.length > 0) {
      throw new CliError(
        `deployed, but ${gaps.map((g) => `${g.pathPattern} runs ${g.runs === undefined ? 'no version' : `version ${g.runs}`}`).join(', ')} of the edge function instead of version ${version}`,
        {
          hint: `run \`${again('attach')}\` (or name the behavior in distribution.leaveUnprotected if leaving it open is on purpose), then \`${again('status')}\``,
        },
      );
    }
  },
};
