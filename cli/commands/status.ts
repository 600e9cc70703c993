import type { Command } from 'commander';
import { ChecksFailed } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, type TargetOptions } from './options.js';

export function registerStatus(program: Command, ctx: CommandContext): void {
  const command = program
    .command('status')
    .description('show rotation dates, secret versions and what the distribution runs; flag what is wrong (exit 1 on errors)')
    .option('--json', 'print the status as one JSON document');
  addTargetOptions(command);
  addEdgeOptions(command);
  command.action(async (flags: TargetOptions & { json?: boolean }) => {
    const [{ resolveTarget }, { readStatus }, { statusText }] = await Promise.all([import('../project/target.js'), import('../ops/status.js'), import('../ui/status.js')]);
    const target = await resolveTarget(flags, ctx.env);
    const { clients } = target;
    const status = await readStatus(
      {
        reads: await clients.statusReads(),
        functionEngine: { sm: () => clients.secretsManager(), cf: () => clients.cloudfront(), kvs: () => clients.keyValueStore() },
      },
      {
        secretId: target.secretId,
        functionName: target.functionName,
        distributionId: target.distributionId,
        probe: target.rotationProbe,
        leaveUnprotected: target.leaveUnprotected,
        engine: target.engine,
        keyValueStoreArn: target.keyValueStoreArn,
        graceSeconds: target.graceSeconds,
      },
    );
    if (flags.json) ctx.printJson(status);
    else ctx.print(statusText(status, ctx.style()));
    if (status.problems.some((p) => p.severity === 'error')) throw new ChecksFailed('status found errors');
  });
}
