import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addTargetOptions, type TargetOptions, jsonOption } from './options.js';
import { again } from '../core/next-steps.js';

interface SyncFlags extends TargetOptions {
  check?: boolean;
  json?: boolean;
}

export function registerSync(program: Command, ctx: CommandContext): void {
  const command = program
    .command('sync')
    .description(
      'cloudfront-function engine: make the key value store hold the digests of the current password (no-op when it does)',
    )
    .option('--check', 'only say whether the store is in step (exit 1 when it is not)')
    .addOption(jsonOption());
  addTargetOptions(command);
  command.addHelpText(
    'after',
    '\nThe rotation function publishes after each rotation, and `users add/remove` after each change;\nsync repairs a store that missed one (a failed publish, a store edited by hand).',
  );
  command.action(async (flags: SyncFlags) => {
    const [{ resolveTarget, requireStore }, engine, { ChecksFailed }] = await Promise.all([
      import('../project/target.js'),
      import('../engines/cloudfront-function.js'),
      import('../core/errors.js'),
    ]);
    const target = await resolveTarget(flags, ctx.env);
    const storeTarget = {
      secretId: target.secretId,
      keyValueStoreArn: requireStore(target),
      graceSeconds: target.graceSeconds,
    };
    const clients = { sm: await target.clients.secretsManager(), kvs: await target.clients.keyValueStore() };
    if (flags.check) {
      const state = await engine.readStoreState(clients, storeTarget);
      if (flags.json) ctx.printJson(state);
      else
        ctx.print(
          state.inStep
            ? `In step: the key value store holds the digests of ${state.currentVersion} (${state.users} users).`
            : (engine.storeProblems(state)[0]?.message ?? 'out of step'),
        );
      if (!state.inStep) throw new ChecksFailed(`the key value store is out of step: run ${again('sync')}`);
      return;
    }
    const result = await engine.syncStore(clients, storeTarget);
    if (flags.json) return ctx.printJson({ ...result, inStep: true });
    ctx.print(
      result.before.inStep
        ? `Already in step: the key value store holds the digests of ${result.versionId}. Nothing written.`
        : `Synced: the key value store now holds the digests of ${result.versionId} (${result.written} keys written, ${result.deleted} removed).`,
    );
  });
}
