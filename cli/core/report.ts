// How an error ends a command: its exit code, message and fix. Ours say it
// themselves (CliError); AWS's are put in our words (../aws/errors.ts); anything
// else is a bug in basicauth (exit 70).

import { awsFailure, isAwsError } from '../aws/errors.js';
import { ChecksFailed, CliError, EXIT, type ExitCode } from './errors.js';

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
  const network = networkFailure(error);
  if (network) return { exitCode: EXIT.failure, ...network };
  if (isAwsError(error)) return { exitCode: EXIT.failure, ...awsFailure(error) };
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    exitCode: EXIT.unexpected,
    message: `unexpected error: ${text}`,
    hint: 'this is a bug in basicauth; rerun with BASICAUTH_DEBUG=1 for the stack trace and report it',
  };
}

/** Connection failures a user fixes (network, endpoint, a dev that is not running), found on the error or its causes. */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function networkFailure(error: unknown): { message: string; hint: string } | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, hostname, address, port } = e as Error & {
      code?: string;
      hostname?: string;
      address?: string;
      port?: number;
    };
    if (!code || !NETWORK_CODES.has(code)) continue;
    const where = hostname ?? (address ? `${address}${port ? `:${port}` : ''}` : undefined);
    return {
      message: `could not reach ${where ?? 'the endpoint'} (${code})`,
      hint:
        code === 'ECONNREFUSED' && /^(127\.|::1|localhost)/.test(where ?? '')
          ? 'nothing is listening there: start `basicauth dev` (or check AWS_ENDPOINT_URL)'
          : 'check the network connection and the endpoint (AWS_ENDPOINT_URL, the region), then run the command again',
    };
  }
  return undefined;
}
