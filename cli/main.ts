// The commander program. Each command lives in cli/commands/<name>.ts and
// loads what it needs inside its action, so `basicauth --help` pays for
// commander alone.

import { Command, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { ChecksFailed, EXIT, type ExitCode } from './core/errors.js';
import { reportError } from './core/report.js';
import type { CommandContext } from './core/context.js';
import { installInterruptHandler, interruptReport, recordStep } from './core/interrupt.js';
import { aimFrom, again, knowCommands } from './core/next-steps.js';
import { enterProjectRoot } from './project/root.js';
import { COMMANDS } from './commands/index.js';
import { plainRenderer, styleFor } from './ui/plain.js';
import type { InkProgress } from './ui/ink-progress.js';
import type { Emit } from './core/events.js';

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const VERSION = '0.1.0';

/** The live view (spinners, colours): a terminal, not CI, not a dumb terminal, and colour not turned off (NO_COLOR, --no-color). */
export function interactive(io: Io): boolean {
  return Boolean(io.stdout.isTTY) && !io.env.CI && io.env.TERM !== 'dumb' && !io.env.NO_COLOR;
}

/** The name of a command as typed: "users add". */
const path = (c: Command): string => (c.parent ? `${path(c.parent)} ${c.name()}` : c.name());

/** What to run after an interrupt stopped `command` between its steps. */
function nextAfterInterrupt(command: string): string {
  if (command === 'deploy' || command === 'destroy') return `${again(command)}: it picks up where this run stopped`;
  if (command === 'publish')
    return `${again('status')} shows what the distribution runs; ${again('publish')} again if it is not the new version`;
  if (command.startsWith('users')) return `${again('users list')} shows who is in the secret`;
  return `${again('status')} shows where things stand`;
}

export function createProgram(io: Io): { program: Command; finish: () => Promise<void>; output: { json: boolean } } {
  /** whether this run asked for JSON (--json, --format json), as commander parsed it */
  const output = { json: false };
  // The live view (ink) draws on stderr; while it is up, data for stdout waits,
  // log lines go through it, and a question takes it down until answered.
  let live: InkProgress | undefined;
  let liveWanted = false;
  const held: string[] = [];
  const mountLive = async () => {
    const { inkProgress } = await import('./ui/ink-progress.js');
    live = inkProgress(io.stderr as NodeJS.WriteStream);
  };
  const unmountLive = async () => {
    const view = live;
    live = undefined;
    if (view) await view.close();
  };
  const out = (text: string) => void (live ? held.push(text) : io.stdout.write(text));
  let uninstallInterrupts: (() => void) | undefined;
  const finish = async () => {
    uninstallInterrupts?.();
    liveWanted = false;
    await unmountLive();
    for (const text of held.splice(0)) io.stdout.write(text);
  };
  const ctx: CommandContext = {
    env: io.env,
    print: (line) => out(`${line}\n`),
    printJson: (value) => out(`${JSON.stringify(value, null, 2)}\n`),
    progress: async (options = {}) => {
      // every step also goes to the journal an interrupt reports from
      const journaled =
        (emit: Emit): Emit =>
        (event) => {
          recordStep(event);
          emit(event);
        };
      if (options.live !== false && !options.json && interactive(io) && !liveWanted) {
        liveWanted = true;
        await mountLive();
        const plain = plainRenderer(io.stderr, Date.now, io.env);
        return journaled((event) => (live ? live.emit(event) : plain(event)));
      }
      return journaled(plainRenderer(io.stderr, Date.now, io.env));
    },
    log: (line) =>
      live ? live.emit({ type: 'log', level: 'info', message: line }) : void io.stderr.write(`${line}\n`),
    style: () => styleFor(io.stdout, io.env),
    stdoutIsTTY: () => Boolean(io.stdout.isTTY),
    stdinIsTTY: () => Boolean(process.stdin.isTTY),
    prompter: async () => {
      const { createInterface } = await import('node:readline/promises');
      return async (question, fallback) => {
        await unmountLive();
        const rl = createInterface({ input: process.stdin, output: io.stderr });
        try {
          return await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `);
        } finally {
          rl.close();
          if (liveWanted) await mountLive();
        }
      };
    },
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
    .option('--no-color', 'no colours and no live progress view (as NO_COLOR=1 does)')
    .hook('preAction', (root, action) => {
      if (root.opts().color === false) io.env.NO_COLOR = '1'; // for this run and what it starts
      aimFrom(action.opts()); // the flags every printed next step carries
      // Ctrl-C: dev stops itself; every other command stops a child cleanly, or reports where it stopped
      // (`logs --follow`, like tail -f, ends on Ctrl-C by design: it prints its summary and exits 0)
      if (action.name() !== 'dev' && !(action.name() === 'logs' && action.opts().follow)) {
        const name = path(action).replace(/^basicauth /, '');
        uninstallInterrupts = installInterruptHandler(() => {
          void finish().finally(() => {
            io.stderr.write(
              `${styleFor(io.stderr, io.env).red('error:')} ${interruptReport(name, nextAfterInterrupt(name))}\n`,
            );
            process.exit(EXIT.interrupted);
          });
        });
      }
    })
    .showSuggestionAfterError(true)
    // one way to show a default in help, whoever wrote it: "(default: 8080)", "(default: the recorded one)"
    .configureHelp({
      optionDescription(option) {
        const shown =
          option.defaultValueDescription ??
          (option.defaultValue !== undefined && typeof option.defaultValue !== 'object' && !option.negate
            ? String(option.defaultValue)
            : undefined);
        const choices = option.argChoices ? ` (choices: ${option.argChoices.join(', ')})` : '';
        return `${option.description}${choices}${shown !== undefined && shown !== 'false' ? ` (default: ${shown})` : ''}`;
      },
    })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });
  for (const command of COMMANDS) command.register(program, ctx);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  // every usage error ends with where to look: the help of the command it came from
  for (const command of all(program))
    command.exitOverride().showHelpAfterError(`  fix: see \`${path(command)} --help\``);
  // --json (or --format json) as commander parsed it, for the JSON answer to a failure
  for (const command of all(program)) {
    command.on('option:json', () => {
      output.json = true;
    });
    command.on('option:format', (value: string) => {
      if (value === 'json') output.json = true;
    });
  }
  const takes = new Map(
    all(program).map((c) => [
      path(c).replace(/^basicauth ?/, ''),
      new Set(c.options.map((o) => o.long).filter((l): l is string => Boolean(l))),
    ]),
  );
  knowCommands((command) => takes.get(command));
  return { program, finish, output };
}

/** Runs the CLI and returns the exit code; bin/basicauth.js is the only caller that sets it. */
export async function run(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<ExitCode> {
  argv = enterProjectRoot(argv).argv;
  const { program, finish, output } = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    await finish();
    return EXIT.ok;
  } catch (error) {
    await finish().catch(() => undefined);
    const code = exitCodeOf(error, io);
    // With --json, a failure is one JSON document on stdout too (as terraform -json does), unless the
    // command already printed its own (a failed check: verify --json, status --json).
    if (
      (output.json || (error instanceof CommanderError && jsonLater(argv))) &&
      code !== EXIT.ok &&
      !(error instanceof ChecksFailed)
    ) {
      const report =
        error instanceof CommanderError
          ? { message: error.message.replace(/^error: /, ''), exitCode: code }
          : reportError(error);
      io.stdout.write(
        `${JSON.stringify({ ok: false, error: { message: report.message, ...('hint' in report && report.hint ? { hint: report.hint } : {}), exitCode: code } }, null, 2)}\n`,
      );
    }
    return code;
  }
}

/**
 * A usage error stops commander at the bad option, before it reads a --json given after it
 * (`dev --port abc --json`): then the words on the line are all there is to go by.
 */
function jsonLater(argv: string[]): boolean {
  return argv.some(
    (arg, i) => arg === '--json' || arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json'),
  );
}

/** Reports `error` on stderr for people and returns the exit code. */
function exitCodeOf(error: unknown, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    // Asked-for help and the version are not errors; help shown because a
    // command is missing (`basicauth`, `basicauth users`) is a usage error.
    // Commander has already printed its message.
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code))
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage;
  }
  const report = reportError(error);
  if (report.silent) return report.exitCode;
  const style = styleFor(io.stderr, io.env);
  io.stderr.write(`${style.red('error:')} ${report.message}\n`);
  if (report.hint) io.stderr.write(`${style.dim(`  fix: ${report.hint}`)}\n`);
  if (report.exitCode === EXIT.unexpected && io.env.BASICAUTH_DEBUG && error instanceof Error)
    io.stderr.write(`${error.stack}\n`);
  return report.exitCode;
}
