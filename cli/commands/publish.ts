import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, type TargetOptions, jsonOption } from './options.js';

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
    .addOption(jsonOption());
  addTargetOptions(command);
  addEdgeOptions(command);
  command.addHelpText(
    'after',
    '\nAfter publish, the function description carries a publish stamp, which the stack tells Terraform to ignore: the\nnext `basicauth deploy` changes no resource, records the version publish made, and never puts an older one back\nin front of users.',
  );
  command.action(async (flags: PublishFlags) => {
    const [{ resolveTarget, requireEdge }, { ENGINES }, { parseDuration }] = await Promise.all([
      import('../project/target.js'),
      import('../engines/index.js'),
      import('../ops/verify.js'),
    ]);
    const timeoutMs = parseDuration(flags.timeout, '--timeout'); // a usage error before anything is read
    const target = await resolveTarget(flags, ctx.env, { secretOptional: true });
    const result = await ENGINES[target.engine].publish(
      target,
      requireEdge(target),
      { wait: flags.wait, timeoutMs },
      await ctx.progress({ json: flags.json }),
    );
    if (flags.json) return ctx.printJson(result.data);
    ctx.print(result.text);
  });
}
