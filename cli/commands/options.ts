// Options shared by every command that talks to AWS or to `basicauth dev`.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandContext } from '../core/context.js';
import { CliError, UsageError } from '../core/errors.js';
import { DEFAULT_STATE_DIR } from '../dev/session.js';
import { EDGE_ENGINES, engineChoices } from '../../stacks/engines/index.js';
import { parseRotationSchedule, ScheduleError, type RotationRules } from '../../handlers/shared/schedule.js';

export type { TargetFlags as TargetOptions } from '../project/target.js';

/** For commands that also touch the edge: the function and the distribution. */
export function addEdgeOptions(command: Command): Command {
  return command
    .option('--function <name>', 'edge function name or ARN in us-east-1 (default: the recorded one)')
    .option('--distribution <id>', 'CloudFront distribution id (default: the recorded one)');
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--local', 'work against the running `basicauth dev`')
    .option('--state-dir <dir>', `state directory of that dev (default: ${DEFAULT_STATE_DIR})`)
    .option('--region <region>', 'AWS region of the secret (default: AWS_REGION)')
    .option('--profile <name>', 'AWS profile to use (default: AWS_PROFILE)')
    .option('--secret-id <id>', 'secret name or ARN (default: the recorded one)')
    .option('--config <file>', 'config file the stack was deployed from (default: basicauth.config.json)');
}

/** A commander parser for whole numbers in a range (a usage error names the flag). */
export const intIn = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
};

/** A commander parser for rotation schedules (days, rate(...), cron(...)): a usage error before anything runs. */
export const scheduleArg =
  (name: string) =>
  (value: string): RotationRules => {
    try {
      return parseRotationSchedule(value);
    } catch (error) {
      if (error instanceof ScheduleError) throw new InvalidArgumentError(`${name}: ${error.message}.`);
      throw error;
    }
  };

/** A commander parser for http(s) URLs without path or query (an origin). */
export const originArg =
  (name: string) =>
  (value: string): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError(`${name} ${value} is not a URL: pass it as http://host:port or https://host.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InvalidArgumentError(`${name} ${value} must be http:// or https://.`);
    if (url.pathname !== '/' || url.search)
      throw new InvalidArgumentError(`${name} ${value} must not have a path or query: use ${url.origin}.`);
    return value;
  };

/**
 * A change that opens the site or replaces passwords: asked for in a terminal, else it needs --yes
 * (a usage error, exit 2, before anything changed). `doing` says what it does, `question` asks.
 */
export async function confirmChange(
  ctx: CommandContext,
  yes: boolean | undefined,
  change: { doing: string; question: string },
): Promise<void> {
  if (yes) return;
  if (!ctx.stdinIsTTY())
    throw new UsageError(`${change.doing}, and there is no terminal to ask for confirmation`, 'rerun with --yes');
  ctx.log(`${change.doing}.`);
  if (!(await askYesNo(ctx, change.question))) throw new CliError('cancelled: nothing was changed');
}

/** One y/N question on the terminal: only "y" or "yes" is a yes. */
export async function askYesNo(ctx: CommandContext, question: string): Promise<boolean> {
  const ask = await ctx.prompter();
  return /^y(es)?$/i.test((await ask(question, 'y/N')).trim());
}

/** --engine, with every registered engine as a choice; `fallback` says what applies when it is not given. */
export function engineOption(fallback: string): Option {
  return new Option('--engine <engine>', `edge engine: ${engineChoices()} (default: ${fallback})`).choices(
    EDGE_ENGINES,
  );
}

/** --json: the command's result as one JSON document on stdout (main.ts also answers a failure so when it is given). */
export function jsonOption(what = 'the result'): Option {
  return new Option('--json', `print ${what} as one JSON document`);
}
