import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addTargetOptions, intIn, type TargetOptions, jsonOption } from './options.js';
import { UsageError } from '../core/errors.js';
import { step, type Emit } from '../core/events.js';
import { again } from '../core/next-steps.js';

interface UsersFlags extends TargetOptions {
  json?: boolean;
  length?: number;
}

export function registerUsers(program: Command, ctx: CommandContext): void {
  const users = program
    .command('users')
    .description('per-person credentials: add, remove and list users of the secret');
  const load = () => Promise.all([import('../project/target.js'), import('../ops/users.js')]);
  /** The edge's side of a users change (the CloudFront Functions engine reads digests, not the secret: they are published at once). */
  const atEdge = async (
    target: Awaited<ReturnType<Awaited<ReturnType<typeof load>>[0]['resolveTarget']>>,
    emit: Emit,
  ) => (await import('../engines/index.js')).ENGINES[target.engine].afterUsersChange(target, emit);

  const add = users
    .command('add')
    .argument('<name>', 'username (no colon)')
    .description('add a user with a generated password (a new secret version; nobody else changes)')
    .option(
      '--length <n>',
      'password length (default: secret.passwordLength of basicauth.config.json, else 32)',
      intIn('--length', 12, 4096),
    )
    .addOption(jsonOption());
  addTargetOptions(add).action(async (name: string, flags: UsersFlags) => {
    // the name is checked before anything is read: a usage error names the rule
    const { usernameProblem, USERNAME_RULE } = await import('../../handlers/shared/usernames.js');
    const problem = usernameProblem(name);
    if (problem) throw new UsageError(`username ${JSON.stringify(name)} ${problem}`, `use ${USERNAME_RULE}`);
    const [{ resolveTarget }, ops] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const policy = target.passwordPolicy;
    const emit = await ctx.progress({ json: flags.json, live: false });
    const result = await step(emit, 'write', `add ${name} to ${target.secretId} (a new secret version)`, async () =>
      ops.addUser(await target.clients.secretsManager(), target.secretId, name, {
        passwordLength: flags.length ?? policy.length ?? 32,
        ...(policy.excludeCharacters !== undefined ? { excludeCharacters: policy.excludeCharacters } : {}),
      }),
    );
    const { store } = await atEdge(target, emit);
    if (flags.json)
      return ctx.printJson({
        ...result,
        ...(store ? { store: { versionId: store.versionId, written: store.written } } : {}),
      });
    ctx.print(
      `Added ${name} (${result.users.length} users)${store ? '; the key value store holds their digest' : ''}. Their password: ${again(`show-creds --user ${name}`)}`,
    );
  });

  const remove = users
    .command('remove')
    .argument('<name>', 'username')
    .description('revoke one user without rotating the others')
    .addOption(jsonOption());
  addTargetOptions(remove).action(async (name: string, flags: UsersFlags) => {
    const [{ resolveTarget }, ops] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const emit = await ctx.progress({ json: flags.json, live: false });
    const result = await step(
      emit,
      'write',
      `remove ${name} from ${target.secretId} (a new secret version)`,
      async () => ops.removeUser(await target.clients.secretsManager(), target.secretId, name),
    );
    const { store, revoked } = await atEdge(target, emit);
    if (flags.json)
      return ctx.printJson({
        ...result,
        ...(store ? { store: { versionId: store.versionId, deleted: store.deleted } } : {}),
      });
    ctx.print(`Removed ${name} (${result.users.length} left). ${revoked}`);
  });

  const list = users
    .command('list')
    .description('list users and the age of their passwords')
    .addOption(jsonOption('the users'));
  addTargetOptions(list).action(async (flags: UsersFlags) => {
    const [{ resolveTarget }, ops] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const result = await ops.listUsers(await target.clients.secretsManager(), target.secretId);
    if (flags.json) return ctx.printJson(result);
    const { formatWhen } = await import('../ui/dates.js');
    const width = Math.max(8, ...result.map((u) => u.username.length));
    for (const u of result)
      ctx.print(`${u.username.padEnd(width)}  password set ${formatWhen(u.passwordSetAt, Date.now(), 'unknown')}`);
  });
}
