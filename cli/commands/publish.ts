import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, type TargetOptions } from './options.js';

interface PublishFlags extends TargetOptions {
  wait: boolean;
  timeout: string;
  json?: boolean;
}

export function registerPublish(program: Command, ctx: CommandContext): void {
  const command = program
    .command('publish')
    .description('force every edge to cold-start: publish a new function version and point the distribution at it')
    .option('--no-wait', 'return once the distribution update is accepted, before it is Deployed')
    .option('--timeout <duration>', 'how long to wait for Deployed', '30m')
    .option('--json', 'print the result as one JSON document');
  addTargetOptions(command);
  addEdgeOptions(command);
  command.addHelpText(
    'after',
    '\nAfter publish, the function description carries a publish stamp, which the stack tells Terraform to ignore: the\nnext `basicauth deploy` changes no resource, records the version publish made, and never puts an older one back\nin front of users.',
  );
  command.action(async (flags: PublishFlags) => {
    const [{ resolveTarget, requireEdge }, { publish }, { parseDuration }] = await Promise.all([import('../project/target.js'), import('../ops/publish.js'), import('../ops/verify.js')]);
    const timeoutMs = parseDuration(flags.timeout, '--timeout'); // a usage error before anything is read
    const target = await resolveTarget(flags, ctx.env, { secretOptional: true });
    const edge = requireEdge(target);
    if (target.engine === 'cloudfront-function' && target.keyValueStoreArn) {
      const { publishFunction } = await import('../ops/function-engine.js');
      const clients = { sm: await target.clients.secretsManager(), kvs: await target.clients.keyValueStore() };
      const r = await publishFunction(
        await target.clients.cloudfront(),
        clients,
        { functionName: edge.functionName, secretId: target.secretId, keyValueStoreArn: target.keyValueStoreArn, graceSeconds: target.graceSeconds },
        await ctx.progress({ json: flags.json }),
      );
      if (flags.json) return ctx.printJson(r);
      return ctx.print(
        `${r.changed ? 'Published' : 'Already LIVE:'} ${r.functionArn}${r.changed ? ' to LIVE' : ''}; CloudFront functions have no cold start to force. The key value store ${r.store.written + r.store.deleted ? `was brought in step (${r.store.written} written, ${r.store.deleted} removed)` : 'was in step'} with version ${r.store.versionId}.`,
      );
    }
    const result = await publish(
      await target.clients.lambda(),
      await target.clients.cloudfront(),
      { ...edge, wait: flags.wait, timeoutMs, pollMs: target.local ? 250 : 15_000 },
      await ctx.progress({ json: flags.json }),
    );
    if (flags.json) return ctx.printJson(result);
    const moved = result.behaviors.map((b) => `${b.pathPattern}: ${b.from} → ${b.to}`).join(', ');
    ctx.print(
      `Published version ${result.version} of ${result.functionArn} (${moved}); distribution ${result.distributionId} is ${result.status ?? 'updating'}${result.waitedMs !== undefined ? ` after ${(result.waitedMs / 1000).toFixed(1)} s` : ''}.`,
    );
  });
}
