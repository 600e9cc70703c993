import { type Command, Option } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addTargetOptions, type TargetOptions, jsonOption } from './options.js';
import { CREDENTIAL_FORMATS, type CredentialFormat } from '../ui/credentials.js';

interface ShowCredsFlags extends TargetOptions {
  format: CredentialFormat;
  json?: boolean;
  previous?: boolean;
  user?: string;
  copy?: boolean;
  site?: string;
}

export function registerShowCreds(program: Command, ctx: CommandContext): void {
  const command = program
    .command('show-creds')
    .description('print the current credentials of the protected site, for onboarding')
    .addOption(new Option('--format <format>', 'output format').choices(CREDENTIAL_FORMATS).default('text'))
    .addOption(jsonOption('the credentials (same as --format json)'))
    .option('--previous', 'the previous password instead of the current one')
    .option('--user <name>', 'one user of a multi-user secret')
    .option('--copy', 'copy to the clipboard instead of printing')
    .option('--site <url>', 'the protected URL (for --format url/netrc when it is not recorded)');
  addTargetOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  $ basicauth show-creds --local\n  $ curl -u "$(basicauth show-creds --local --format curl)" http://127.0.0.1:8080/',
  );
  command.action(async (flags: ShowCredsFlags) => {
    const [{ resolveTarget }, { readCredentials }, { formatCredentials, pickedUserNote }] = await Promise.all([
      import('../project/target.js'),
      import('../ops/show-creds.js'),
      import('../ui/credentials.js'),
    ]);
    const target = await resolveTarget(flags, ctx.env);
    if (flags.site) target.siteUrl = flags.site;
    const credentials = await readCredentials(target, {
      ...(flags.previous ? { previous: true } : {}),
      ...(flags.user ? { user: flags.user } : {}),
    });
    const format = flags.json ? 'json' : flags.format;
    const text = formatCredentials(credentials, format);
    const note = pickedUserNote(credentials, format);
    if (note) ctx.log(note);
    if (flags.copy) {
      const { copyToClipboard } = await import('../ui/clipboard.js');
      const tool = await copyToClipboard(text);
      ctx.log(`copied to the clipboard (${tool})`);
      return;
    }
    ctx.print(text);
    if (ctx.stdoutIsTTY())
      ctx.log(
        ctx.style().dim('These are secret: share them only through a password manager, never in tickets or chat.'),
      );
  });
}
