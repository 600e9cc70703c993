import type { Command } from 'commander';
import { ChecksFailed } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, type TargetOptions, jsonOption } from './options.js';

export function registerStatus(program: Command, ctx: CommandContext): void {
  const command = program
    .command('status')
    .description(
      'show rotation dates, secret versions and what the distribution runs; flag what is wrong (exit 1 on errors)',
    )
    .addOption(jsonOption('the status'));
  addTargetOptions(command);
  addEdgeOptions(command);
  command.action(async (flags: TargetOptions & { json?: boolean }) => {
    const [{ resolveTarget }, { readStatus }, { statusText }, { ENGINES }] = await Promise.all([
      import('../project/target.js'),
      import('../ops/status.js'),
      import('../ui/status.js'),
      import('../engines/index.js'),
    ]);
    const target = await resolveTarget(flags, ctx.env);
    const reads = await target.clients.statusReads();
    const { functionName, distributionId } = target;
    const status = await readStatus(reads, {
      secretId: target.secretId,
      probe: target.rotationProbe,
      readEdge:
        functionName && distributionId
          ? () => ENGINES[target.engine].readEdge(target, { functionName, distributionId }, reads, Date.now())
          : undefined,
      // where the edge's logs are, and whether each region's group has a retention
      readLogs: functionName
        ? async () =>
            (await import('../ops/logs.js')).logRetention(
              await target.clients.logs(),
              ENGINES[target.engine].logGroups(functionName),
            )
        : undefined,
    });
    if (flags.json) ctx.printJson(status);
    else ctx.print(statusText(status, ctx.style()));
    if (status.problems.some((p) => p.severity === 'error')) throw new ChecksFailed('status found errors');
  });
}
