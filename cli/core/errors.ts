// Exit codes (the README lists them): 0 ok, 1 failed check or user error, 2 usage, 70 unexpected, 130 interrupted (Ctrl-C).
// Every error a user can cause is a CliError whose message says what is wrong
// and whose hint names the fix.

import { COMMAND_PERMISSIONS, type Team } from '../../stacks/permissions.js';
import { missingProfile } from '../aws/profile.js';
import { again, currentAim } from './next-steps.js';

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
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function networkFailure(error: unknown): { message: string; hint: string } | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, hostname, address, port } = e as Error & { code?: string; hostname?: string; address?: string; port?: number };
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

interface AwsError extends Error {
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** An error from an AWS service (the SDK marks them with $metadata), or the SDK's "no credentials". */
function isAwsError(error: unknown): error is AwsError {
  return error instanceof Error && ('$metadata' in error || error.name === 'CredentialsProviderError');
}

function awsFailure(error: AwsError): { message: string; hint: string } {
  const message = `AWS refused the call: ${error.name}: ${error.message}`;
  if (error.name === 'CredentialsProviderError') {
    const profile = missingProfile(currentAim().profile);
    if (profile) return { message: `the AWS profile ${profile} does not exist (not in ~/.aws/config or ~/.aws/credentials)`, hint: profileHint(profile) };
  }
  if (error.name === 'CredentialsProviderError' || /UnrecognizedClient|InvalidClientTokenId|ExpiredToken|InvalidSignature/.test(error.name)) {
    return { message, hint: 'set valid AWS credentials (AWS_PROFILE or --profile, `aws sso login`), or use --local for `basicauth dev`' };
  }
  if (/AccessDenied|NotAuthorized|Unauthorized/.test(error.name)) return { message, hint: accessDeniedHint(error.message) };
  if (error.name === 'InvalidRequestException' && /marked for deletion/i.test(error.message)) {
    return {
      message: 'the secret is scheduled for deletion (a destroy, or DeleteSecret): Secrets Manager refuses to read or change it until it is restored, and the edge answers 503 meanwhile',
      hint: `${again('deploy')} offers to restore it and takes it back under Terraform; or restore it alone: aws secretsmanager restore-secret --secret-id <name>`,
    };
  }
  if (error.$fault === 'server') return { message, hint: 'AWS reported a failure on its side: run the command again in a moment' };
  return { message, hint: 'fix what AWS names above, then run the command again' };
}

/** What to do about a profile name that is in neither shared file. */
export function profileHint(profile: string): string {
  return `check the name (\`aws configure list-profiles\`), or create it: \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`)`;
}

/** The fix for an AccessDenied: the action AWS named, and the team policy that grants it. */
export function accessDeniedHint(message: string): string {
  const action = /not authorized to perform: ([\w-]+:[\w*]+)/.exec(message)?.[1];
  if (!action) return 'the AWS identity in use lacks this permission: use a profile allowed to make the call, or ask for the permission';
  const policy = policyGranting(action);
  return `the AWS identity in use may not ${action}: ${policy ? `attach the <name>-basicauth-${policy} policy to it` : 'ask for that permission'} (the README lists what each command needs)`;
}

/** Which team policy grants an action basicauth's commands need: readers where a readers command needs it. */
function policyGranting(action: string): Team | undefined {
  const commands = Object.values(COMMAND_PERMISSIONS);
  const needs = (team: Team) => commands.some((c) => c.team === team && ENGINES.some((engine) => c.needs(engine).some((n) => n.action === action)));
  return needs('readers') ? 'readers' : needs('operators') ? 'operators' : undefined;
}
const ENGINES = ['lambda-edge', 'cloudfront-function'] as const;
