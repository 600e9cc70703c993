// Exit codes (the README lists them): 0 ok, 1 failed check or user error, 2 usage, 70 unexpected, 130 interrupted (Ctrl-C).
// Every error a user can cause is a CliError whose message says what is wrong
// and whose hint names the fix. How any other error is reported: ./report.ts;
// AWS's errors in our words: ../aws/errors.ts.

export const EXIT = { ok: 0, failure: 1, usage: 2, unexpected: 70, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.hint = options.hint;
  }
}

/** A check that failed and has already been reported on stdout: exit 1, print nothing more. */
export class ChecksFailed extends CliError {
  override name = 'ChecksFailed';
  constructor(message: string) {
    super(message, { exitCode: EXIT.failure });
  }
}

export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.usage, ...(hint ? { hint } : {}) });
  }
}
