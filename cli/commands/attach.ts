import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, confirmChange, type TargetOptions, jsonOption } from './options.js';

interface AttachFlags extends TargetOptions {
  pathPattern: string[];
  leaveUnprotected: string[];
  functionVersion?: string;
  replace?: boolean;
  yes?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerAttach(program: Command, ctx: CommandContext): void {
  for (const verb of ['attach', 'detach'] as const) {
    const command = program
      .command(verb)
      .description(
        verb === 'attach'
          ? 'protect every cache behavior of a distribution basicauth did not create with the edge function (viewer-request)'
          : 'remove the edge function from a distribution',
      )
      .addOption(jsonOption());
    if (verb === 'attach') {
      command
        .option(
          '--leave-unprotected <pattern>',
          "a cache behavior to leave without the function, by path pattern ('*' is the default behavior; repeatable)",
          collect,
          [] as string[],
        )
        .option('--function-version <n>', 'function version to attach (default: the latest published)')
        .option('--replace', 'replace another viewer-request function on those behaviors');
    } else {
      command
        .option(
          '--path-pattern <pattern>',
          "only this cache behavior ('*' is the default behavior; repeatable; default: every one)",
          collect,
          [] as string[],
        )
        .option('-y, --yes', 'detach without asking (needed without a terminal)');
    }
    addTargetOptions(command);
    addEdgeOptions(command);
    command.action(async (flags: AttachFlags) => {
      const [{ resolveTarget, requireEdge }, ops] = await Promise.all([
        import('../project/target.js'),
        import('../ops/attach.js'),
      ]);
      const target = await resolveTarget(flags, ctx.env, { secretOptional: true });
      const { DEFAULT_ENGINE, EDGE_ENGINES, STACK_ENGINES } = await import('../../stacks/engines/index.js');
      if (!STACK_ENGINES[target.engine].attachable) {
        const { CliError } = await import('../core/errors.js');
        const attaching = EDGE_ENGINES.filter((name) => STACK_ENGINES[name].attachable);
        throw new CliError(
          `${verb} works with the ${attaching.join(' or ')} engine: this site runs ${target.engine} (${STACK_ENGINES[target.engine].summary}), which its own distribution associates`,
          {
            hint: `deploy manages the association for edge.engine "${target.engine}"; to protect a distribution basicauth did not create, use edge.engine "${attaching[0] ?? DEFAULT_ENGINE}"`,
          },
        );
      }
      const edge = requireEdge(target);
      const lambda = await target.clients.lambda();
      const cf = await target.clients.cloudfront();
      const functionVersionArn = await ops.pickFunctionVersion(lambda, edge.functionName, {
        version: flags.functionVersion,
        verb,
      });
      if (verb === 'detach') {
        const which = flags.pathPattern.length
          ? `the cache behaviors ${flags.pathPattern.join(', ')}`
          : 'every cache behavior';
        await confirmChange(ctx, flags.yes, {
          doing: `detach opens ${which} of distribution ${edge.distributionId} to anyone, without a password`,
          question: 'Detach?',
        });
      }
      // a version published a moment ago is Pending, and CloudFront refuses to associate it until it is Active
      if (verb === 'attach')
        await (await import('../ops/publish.js')).waitVersionActive(
          lambda,
          functionVersionArn,
          { timeoutMs: 300_000, pollMs: target.local ? 250 : 5_000 },
          () => {},
        );
      const result =
        verb === 'attach'
          ? await ops.attach(cf, {
              distributionId: edge.distributionId,
              functionVersionArn,
              leaveUnprotected: flags.leaveUnprotected,
              replace: Boolean(flags.replace),
              responseHeadersPolicyId: target.responseHeadersPolicyId,
            })
          : await ops.detach(cf, {
              distributionId: edge.distributionId,
              functionVersionArn,
              pathPatterns: flags.pathPattern,
              responseHeadersPolicyId: target.responseHeadersPolicyId,
            });
      const attached = 'ownPolicy' in result ? (result as Awaited<ReturnType<typeof ops.attach>>) : undefined;
      const out = {
        action: verb,
        distributionId: edge.distributionId,
        function: functionVersionArn,
        behaviors: result.changed,
        ...(verb === 'attach' ? { leftUnprotected: flags.leaveUnprotected } : {}),
        ...(attached ? { noindex: attached.noindex, ownResponseHeadersPolicy: attached.ownPolicy } : {}),
        attempts: result.attempts,
      };
      if (flags.json) return ctx.printJson(out);
      const own = attached?.ownPolicy ?? [];
      if (own.length)
        ctx.log(
          `note: ${own.join(', ')} ${own.length === 1 ? 'has a response headers policy of its' : 'have response headers policies of their'} own, which CloudFront will not combine with basicauth's: add X-Robots-Tag: noindex, nofollow to ${own.length === 1 ? 'it' : 'them'} to keep those answers out of search engines`,
        );
      ctx.print(
        result.changed.length === 0
          ? `Nothing to ${verb}: distribution ${edge.distributionId} is already as asked.`
          : `${verb === 'attach' ? 'Attached' : 'Detached'} ${functionVersionArn} ${verb === 'attach' ? 'to' : 'from'} ${result.changed.join(', ')} of ${edge.distributionId}; CloudFront is deploying the change.`,
      );
    });
  }
}
