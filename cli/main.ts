// The commander program. Each command lives in cli/commands/<name>.ts and
// loads what it needs inside its action, so `basicauth --help` pays for
// commander alone.

import { Command, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { EXIT, reportError, type ExitCode } from './errors.js';
import type { Emit } from './events.js';
import { registerBuild } from './commands/build.js';
import { plainRenderer, styleFor, type Style } from './ui/plain.js';
import { registerDev } from './commands/dev.js';
import { registerShowCreds } from './commands/show-creds.js';

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** What every command gets: where data and progress go. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  /** one line of data on stdout */
  print(line: string): void;
  /** the one JSON document of a --json run, on stdout */
  printJson(value: unknown): void;
  /** progress and logs, on stderr */
  progress(): Emit;
  /** one line of progress or log, on stderr */
  log(line: string): void;
  /** colours for stderr/stdout text, off without a TTY or with NO_COLOR */
  style(): Style;
  stdoutIsTTY(): boolean;
  /** resolves on SIGINT or SIGTERM (long-running commands) */
  untilSignal(): Promise<NodeJS.Signals>;
}

export const VERSION = '0.1.0';

export function createProgram(io: Io): Command {
  const ctx: CommandContext = {
    env: io.env,
    print: (line) => void io.stdout.write(`${line}\n`),
    printJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: () => plainRenderer(io.stderr),
    log: (line) => void io.stderr.write(`${line}\n`),
    style: () => styleFor(io.stdout, io.env),
    stdoutIsTTY: () => Boolean(io.stdout.isTTY),
    untilSignal: () =>
      new Promise((resolve) => {
        const done = (signal: NodeJS.Signals) => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          resolve(signal);
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      }),
  };
  const program = new Command('basicauth')
    .description('HTTP Basic auth with a self-rotating password for CloudFront sites')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });
  registerBuild(program, ctx);
  registerDev(program, ctx);
  registerShowCreds(program, ctx);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code; bin/basicauth.js is the only caller that sets it. */
export async function run(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<ExitCode> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are not errors; commander has already printed its message
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return EXIT.ok;
      return EXIT.usage;
    }
    const report = reportError(error);
    const style = styleFor(io.stderr, io.env);
    io.stderr.write(`${style.red('error:')} ${report.message}\n`);
    if (report.hint) io.stderr.write(`${style.dim(`  fix: ${report.hint}`)}\n`);
    if (report.exitCode === EXIT.unexpected && io.env.BASICAUTH_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return report.exitCode;
  }
}
