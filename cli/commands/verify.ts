import type { Command } from 'commander';
import { ChecksFailed } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import type { VerifyFlags } from '../ops/verify-run.js';
import { addTargetOptions, jsonOption } from './options.js';

export function registerVerify(program: Command, ctx: CommandContext): void {
  const command = program
    .command('verify')
    .argument('[url]', 'the protected URL (default with --local: the dev edge)')
    .description('smoke-test a protected site: 401 without and with wrong credentials, success with the current ones')
    .option('--user <name>', 'username to test (default: from the secret, or BASICAUTH_USER)')
    .option(
      '--password <password>',
      'password to test (visible in ps and shell history: prefer --password-stdin or BASICAUTH_PASSWORD)',
    )
    .option('--password-stdin', 'read the password to test from standard input')
    .option('--token <name>', 'check a bypass token instead of a password: by name, read from the secret')
    .option('--token-stdin', 'check the bypass token read from standard input (with --expect 401: that it is refused)')
    .option('--allow-indexing', 'do not require X-Robots-Tag: noindex on the answers')
    .option('--allow-http', 'send credentials over plain http:// to a host that is not this machine')
    .option('--expect <statuses>', 'status expected with the current credentials: 200, 2xx,3xx, 301-308', '200')
    .option('--realm <realm>', 'the realm the challenge must name')
    .option('--previous', 'also check that the previous password is refused')
    .option('--follow-redirects', 'follow redirects instead of judging the first answer')
    .option('--wait <duration>', 'retry until every check passes or this much time has passed (e.g. 5m)')
    .option('--junit <file>', 'also write the checks as a JUnit XML report')
    .addOption(jsonOption('{ ok, checks }'));
  addTargetOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  $ basicauth verify --local\n  $ basicauth verify --local --token uptime-monitor\n  $ BASICAUTH_USER=admin BASICAUTH_PASSWORD=… basicauth verify https://staging.example.com/ --expect 2xx,3xx',
  );
  command.action(async (url: string | undefined, flags: VerifyFlags) => {
    const { runVerify } = await import('../ops/verify-run.js');
    const result = await runVerify(url, flags, ctx, { quiet: false });
    if (flags.json) ctx.printJson(result);
    if (!result.ok) throw new ChecksFailed('verification failed');
  });
}
