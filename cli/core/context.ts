// What every command gets from the program: where data and progress go, the
// environment, the terminal. Commands depend on this, not on main.ts.

import type { Emit } from './events.js';
import type { Style } from '../ui/plain.js';

/** What every command gets: where data and progress go. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  /** one line of data on stdout */
  print(line: string): void;
  /** the one JSON document of a --json run, on stdout */
  printJson(value: unknown): void;
  /**
   * Progress and logs, on stderr: a live ink view when stdout is a terminal
   * (not in CI, not with --json, not for long-running commands), plain lines otherwise.
   */
  progress(options?: { json?: boolean | undefined; live?: boolean }): Promise<Emit>;
  /** one line of progress or log, on stderr */
  log(line: string): void;
  /** colours for stderr/stdout text, off without a TTY or with NO_COLOR */
  style(): Style;
  stdoutIsTTY(): boolean;
  stdinIsTTY(): boolean;
  /** asks one question on the terminal; only when stdin is a TTY */
  prompter(): Promise<(question: string, fallback: string | undefined) => Promise<string>>;
  /** resolves on SIGINT or SIGTERM (long-running commands) */
  untilSignal(): Promise<NodeJS.Signals>;
}
