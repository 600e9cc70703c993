// Exit codes (DESIGN.md): 0 ok, 1 failed check or user error, 2 usage, 70 unexpected.
// Every error a user can cause is a CliError whose message says what is wrong
// and whose hint names the fix.

export const EXIT = { ok: 0, failure: 1, usage: 2, unexpected: 70 } as const;
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

export interface ErrorReport {
  exitCode: ExitCode;
  message: string;
  hint?: string;
  silent?: boolean;
}

export function reportError(error: unknown): ErrorReport {
  if (error instanceof ChecksFailed) return { exitCode: error.exitCode, message: error.message, silent: true };
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    exitCode: EXIT.unexpected,
    message: `unexpected error: ${text}`,
    hint: 'this is a bug in basicauth; rerun with BASICAUTH_DEBUG=1 for the stack trace and report it',
  };
}
