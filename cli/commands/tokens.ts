import type { Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addTargetOptions, jsonOption, type TargetOptions } from './options.js';
import { step } from '../core/events.js';
import { again } from '../core/next-steps.js';

interface TokensFlags extends TargetOptions {
  json?: boolean;
  expires?: string;
  paths?: string[];
  grace?: string;
}

/** The default lifetime of a token: machines' access should end unless someone says otherwise. */
const DEFAULT_EXPIRY = '90d';
/** The default grace of `tokens rotate` when the config sets no edge.graceSeconds */
const DEFAULT_GRACE = '1h';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTokens(program: Command, ctx: CommandContext): void {
  const tokens = program
    .command('tokens')
    .description('bypass tokens for machines (monitors, CI, webhooks): create, list, rotate and revoke them')
    .addHelpText(
      'after',
      `
A request with the header "x-basicauth-bypass: <token>" passes without a password.
A browser can open https://site/any/path?x-basicauth-bypass=<token> once: the edge
answers with a redirect that sets a cookie for this site, and drops the parameter.
Tokens never reach the origin and never appear in logs (their names do).

Examples:
  $ basicauth tokens create uptime-monitor --expires 30d
  $ basicauth tokens create ci --paths "/api/*"
  $ basicauth tokens rotate ci --grace 2h
  $ basicauth tokens revoke uptime-monitor`,
    );
  const load = () =>
    Promise.all([import('../project/target.js'), import('../ops/tokens.js'), import('../engines/index.js')]);
  type Loaded = Awaited<ReturnType<typeof load>>;
  type Target = Awaited<ReturnType<Loaded[0]['resolveTarget']>>;
  /**
   * One change of the secret, shown as a step, then the edge's side of it (the CloudFront Functions engine
   * reads digests from its store: they are published at once).
   */
  const write = async <T>(
    target: Target,
    flags: TokensFlags,
    label: string,
    change: (sm: Awaited<ReturnType<Target['clients']['secretsManager']>>) => Promise<T>,
  ): Promise<T> => {
    const [{ ENGINES }, emit] = await Promise.all([
      import('../engines/index.js'),
      ctx.progress({ json: flags.json, live: false }),
    ]);
    const result = await step(emit, 'write', label, async () => change(await target.clients.secretsManager()));
    await ENGINES[target.engine].afterUsersChange(target, emit);
    return result;
  };
  const parseDuration = async (text: string, flag: string) =>
    (await import('../ops/verify.js')).parseDuration(text, flag);

  const create = tokens
    .command('create')
    .argument('<name>', 'what the token is for, e.g. uptime-monitor (letters, digits, . _ -)')
    .description('create a token and print it, once')
    .option('--expires <duration>', `how long it works (e.g. 30d, 12h), or "never"`, DEFAULT_EXPIRY)
    .option('--paths <patterns>', 'only these path patterns, e.g. "/api/*" (repeat, or separate with commas)', collect)
    .addOption(jsonOption('{ name, token, expires, ... }'));
  addTargetOptions(create).action(async (name: string, flags: TokensFlags) => {
    const ops = await import('../ops/tokens.js');
    // name, expiry and paths are checked before anything is read
    ops.checkTokenName(name);
    const expires = flags.expires ?? DEFAULT_EXPIRY;
    const expiresInMs = expires === 'never' ? undefined : await parseDuration(expires, '--expires');
    const paths = ops.parseTokenPaths(flags.paths);
    const [{ resolveTarget }] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const result = await write(target, flags, `add token ${name} to ${target.secretId} (a new secret version)`, (sm) =>
      ops.createToken(sm, target.secretId, name, { expiresInMs, paths }),
    );
    if (flags.json) return ctx.printJson({ ...result.token, token: result.value, versionId: result.versionId });
    const { formatWhen } = await import('../ui/dates.js');
    ctx.print(
      `Created token ${name}${paths.length ? ` for ${paths.join(', ')}` : ''}, ${result.token.expires ? `expires ${formatWhen(result.token.expires, Date.now(), '')}` : 'never expires'}.`,
    );
    ctx.print('It is shown this once: store it where the machine reads its secrets (e.g. a CI secret).');
    ctx.print('');
    ctx.print(`  ${result.value}`);
    ctx.print('');
    ctx.print(
      `Send it as the header  x-basicauth-bypass: <token>   or open a URL once with ?x-basicauth-bypass=<token>`,
    );
    ctx.print(`Check it: ${again(`verify --token ${name}`)}`);
  });

  const list = tokens
    .command('list')
    .description('list tokens: name, paths, created, expires, last seen (never the token)')
    .option('--since <duration>', 'how far back the edge logs are read for "last seen"', '7d')
    .option('--no-last-seen', 'do not read the edge logs')
    .addOption(jsonOption('the tokens'));
  addTargetOptions(list).action(async (flags: TokensFlags & { since: string; lastSeen: boolean }) => {
    const sinceMs = await parseDuration(flags.since, '--since');
    const [{ resolveTarget }, ops] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const now = Date.now();
    const result = await ops.listTokens(await target.clients.secretsManager(), target.secretId, now);
    const seen = flags.lastSeen && result.length ? await ops.lastSeen(target, now - sinceMs) : undefined;
    const rows = result.map((t) => ({ ...t, lastSeen: seen?.get(t.name) }));
    if (flags.json) return ctx.printJson(rows);
    if (rows.length === 0) return ctx.print(`No tokens. Create one with ${again('tokens create <name>')}`);
    const { formatWhen } = await import('../ui/dates.js');
    const table = rows.map((t) => [
      t.name,
      t.paths.length ? t.paths.join(',') : '/*',
      formatWhen(t.created, now, ''),
      t.expires
        ? `${t.state === 'expired' ? 'EXPIRED ' : t.state === 'expiring' ? 'soon: ' : ''}${formatWhen(t.expires, now, '')}`
        : 'never',
      t.lastSeen ? formatWhen(t.lastSeen, now, '') : seen ? `not in ${flags.since}` : 'unknown',
    ]);
    const head = ['NAME', 'PATHS', 'CREATED', 'EXPIRES', 'LAST SEEN'];
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
    for (const row of [head, ...table])
      ctx.print(
        row
          .map((c, i) => c.padEnd(widths[i] as number))
          .join('  ')
          .trimEnd(),
      );
  });

  const revoke = tokens
    .command('revoke')
    .argument('<name>', 'the token')
    .description('revoke a token (its cookies go with it)')
    .addOption(jsonOption());
  addTargetOptions(revoke).action(async (name: string, flags: TokensFlags) => {
    const [{ resolveTarget }, ops, engines] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const result = await write(
      target,
      flags,
      `remove token ${name} from ${target.secretId} (a new secret version)`,
      (sm) => ops.revokeToken(sm, target.secretId, name),
    );
    if (flags.json) return ctx.printJson({ name, versionId: result.versionId, revoked: true });
    ctx.print(`Revoked ${name}. ${engines.ENGINES[target.engine].tokenRevocation}`);
  });

  const rotate = tokens
    .command('rotate')
    .argument('<name>', 'the token')
    .description('give a token a new value; the old one works for the grace period')
    .option(
      '--grace <duration>',
      `how long the old value keeps working (default: edge.graceSeconds, else ${DEFAULT_GRACE}; 0: not at all)`,
    )
    .addOption(jsonOption('{ name, token, ... }'));
  addTargetOptions(rotate).action(async (name: string, flags: TokensFlags) => {
    const ops = await import('../ops/tokens.js');
    ops.checkTokenName(name);
    const graceMs = flags.grace === '0' ? 0 : flags.grace ? await parseDuration(flags.grace, '--grace') : undefined;
    const expiresInMs =
      flags.expires === undefined
        ? undefined
        : flags.expires === 'never'
          ? null
          : await parseDuration(flags.expires, '--expires');
    const [{ resolveTarget }] = await load();
    const target = await resolveTarget(flags, ctx.env);
    const grace =
      graceMs ?? (target.graceSeconds ? target.graceSeconds * 1000 : await parseDuration(DEFAULT_GRACE, '--grace'));
    const result = await write(target, flags, `new value for token ${name} (a new secret version)`, (sm) =>
      ops.rotateToken(sm, target.secretId, name, { graceMs: grace, expiresInMs }),
    );
    if (flags.json) return ctx.printJson({ ...result.token, token: result.value, versionId: result.versionId });
    const { formatWhen } = await import('../ui/dates.js');
    ctx.print(
      `New value for ${name}; ${result.token.previousUntil ? `the old one works until ${formatWhen(result.token.previousUntil, Date.now(), '')}` : 'the old one no longer works'}. Shown this once:`,
    );
    ctx.print('');
    ctx.print(`  ${result.value}`);
    ctx.print('');
  });
}
