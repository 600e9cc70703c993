// AWS's errors in our words, in one place: what went wrong and the fix, for
// any AWS error a command lets through (awsFailure, used by ../core/report.ts),
// and for the calls that know what they were after (explainAwsError, notFound).

import { policyGranting } from '../../stacks/permissions.js';
import { CliError } from '../core/errors.js';
import { again, currentAim } from '../core/next-steps.js';
import { missingProfile } from './profile.js';

/** Turns the SDK's errors that users cause into errors that name the fix. */
export function explainAwsError(error: unknown, what: string): never {
  const e = error as { name?: string; message?: string };
  switch (e?.name) {
    case 'CredentialsProviderError': {
      const missing = missingProfileFailure();
      if (missing) throw new CliError(missing.message, { hint: missing.hint, cause: error });
      throw new CliError('no AWS credentials found', {
        hint: 'set AWS_PROFILE or run `aws sso login` (or use --local)',
        cause: error,
      });
    }
    case 'ResourceNotFoundException':
      throw new CliError(`${what} not found: ${e.message}`, { hint: 'check --secret-id and --region', cause: error });
    case 'AccessDeniedException':
    case 'AccessDenied':
      throw new CliError(`access denied on ${what}: ${e.message}`, {
        hint: accessDeniedHint(e.message ?? ''),
        cause: error,
      });
    default:
      throw error;
  }
}

/** When the SDK found no credentials because the profile asked for is in neither shared file: say so. */
function missingProfileFailure(): { message: string; hint: string } | undefined {
  const profile = missingProfile(currentAim().profile);
  if (!profile) return undefined;
  return {
    message: `the AWS profile ${profile} does not exist (not in ~/.aws/config or ~/.aws/credentials)`,
    hint: profileHint(profile),
  };
}

interface AwsError extends Error {
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** An error from an AWS service (the SDK marks them with $metadata), or the SDK's "no credentials". */
export function isAwsError(error: unknown): error is AwsError {
  return error instanceof Error && ('$metadata' in error || error.name === 'CredentialsProviderError');
}

export function awsFailure(error: AwsError): { message: string; hint: string } {
  const message = `AWS refused the call: ${error.name}: ${error.message}`;
  if (error.name === 'CredentialsProviderError') {
    const missing = missingProfileFailure();
    if (missing) return missing;
  }
  if (
    error.name === 'CredentialsProviderError' ||
    /UnrecognizedClient|InvalidClientTokenId|ExpiredToken|InvalidSignature/.test(error.name)
  ) {
    return {
      message,
      hint: 'set valid AWS credentials (AWS_PROFILE or --profile, `aws sso login`), or use --local for `basicauth dev`',
    };
  }
  if (/AccessDenied|NotAuthorized|Unauthorized/.test(error.name))
    return { message, hint: accessDeniedHint(error.message) };
  if (error.name === 'InvalidRequestException' && /marked for deletion/i.test(error.message)) {
    return {
      message:
        'the secret is scheduled for deletion (a destroy, or DeleteSecret): Secrets Manager refuses to read or change it until it is restored, and the edge answers 503 meanwhile',
      hint: `${again('deploy')} offers to restore it and takes it back under Terraform; or restore it alone: aws secretsmanager restore-secret --secret-id <name>`,
    };
  }
  if (error.$fault === 'server')
    return { message, hint: 'AWS reported a failure on its side: run the command again in a moment' };
  return { message, hint: 'fix what AWS names above, then run the command again' };
}

/** What to do about a profile name that is in neither shared file. */
export function profileHint(profile: string): string {
  return `check the name (\`aws configure list-profiles\`), or create it: \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`)`;
}

/** The fix for an AccessDenied: the action AWS named, and the team policy that grants it. */
export function accessDeniedHint(message: string): string {
  const action = /not authorized to perform: ([\w-]+:[\w*]+)/.exec(message)?.[1];
  if (!action)
    return 'the AWS identity in use lacks this permission: use a profile allowed to make the call, or ask for the permission';
  const policy = policyGranting(action);
  return `the AWS identity in use may not ${action}: ${policy ? `attach the <name>-basicauth-${policy} policy to it` : 'ask for that permission'} (the README lists what each command needs)`;
}

/** AWS's names for "no such thing", per service (Secrets Manager and Lambda, CloudFront, the KeyValueStore). */
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'NoSuchDistribution',
  'NoSuchFunctionExists',
  'NoSuchResource',
  'NoSuchEntity',
]);

/** Whether an AWS error says the thing asked for does not exist. */
export const isNotFound = (error: unknown): boolean =>
  NOT_FOUND.has((error as { name?: string } | undefined)?.name ?? '');

/** Rethrows "does not exist" as our error naming the fix; anything else as it came. For `.catch()` on one call. */
export function notFound(message: string, hint: string): (error: unknown) => never {
  return (error) => {
    if (isNotFound(error)) throw new CliError(message, { hint, cause: error });
    throw error;
  };
}

/** For `.catch()` on a lookup: undefined where AWS says there is no such thing; anything else rethrown. */
export function absent(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}
