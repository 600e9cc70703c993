// The rotation Lambda's settings, from its environment (a regular Lambda may
// have one; Terraform sets these from basicauth.config.json).

export interface RotationSettings {
  passwordLength: number;
  excludeCharacters: string;
  /** usernames of the very first version, when the secret is still empty */
  initialUsernames: string[];
  /**
   * optional Slack-compatible webhook told about each rotation: the ARN of a
   * Secrets Manager secret holding its URL (the URL is a credential, so it is
   * never in the environment, the Terraform config or its state)
   */
  webhookSecretArn: string | undefined;
  /** the protected site, mentioned in the notification */
  siteUrl: string | undefined;
  /** the CloudFront Functions engine: the KeyValueStore to publish digests to after each rotation */
  kvsArn: string | undefined;
  /** how long a replaced password keeps working (published with the digests) */
  graceSeconds: number;
}

// Characters that break shell quoting, URLs (`user:pass@host`), .netrc and
// JSON embedding. What remains: letters, digits and - _ .
export const DEFAULT_EXCLUDE_CHARACTERS = ' "\'`$\\/@:?#[]%&=+;,<>{}|^~!*()';

import { decodeUsernames, encodeUsernames, USERNAME_RULE } from '../shared/usernames.js';

export const KVS_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[0-9a-f-]{36}$/;

export const WEBHOOK_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readSettings(env: Readonly<Record<string, string | undefined>>): RotationSettings {
  const lengthText = env.BASICAUTH_PASSWORD_LENGTH ?? '32';
  const passwordLength = Number(lengthText);
  if (!/^\d+$/.test(lengthText) || passwordLength < 12 || passwordLength > 4096) {
    throw new SettingsError(`BASICAUTH_PASSWORD_LENGTH is "${lengthText}"; expected a whole number from 12 to 4096`);
  }
  let initialUsernames: string[];
  try {
    initialUsernames = decodeUsernames(env.BASICAUTH_USERNAMES ?? encodeUsernames(['admin']));
  } catch (error) {
    throw new SettingsError(
      `BASICAUTH_USERNAMES ${(error as Error).message}; expected a JSON array of ${USERNAME_RULE}, such as ["admin"]`,
    );
  }
  if (env.BASICAUTH_WEBHOOK_URL) {
    throw new SettingsError(
      'BASICAUTH_WEBHOOK_URL is no longer read (a webhook URL is a credential): put the URL in a Secrets Manager secret and set BASICAUTH_WEBHOOK_SECRET_ARN',
    );
  }
  const webhookSecretArn = env.BASICAUTH_WEBHOOK_SECRET_ARN || undefined;
  if (webhookSecretArn && !WEBHOOK_SECRET_ARN.test(webhookSecretArn)) {
    throw new SettingsError('BASICAUTH_WEBHOOK_SECRET_ARN must be the ARN of a Secrets Manager secret');
  }
  const kvsArn = env.BASICAUTH_KVS_ARN || undefined;
  if (kvsArn && !KVS_ARN.test(kvsArn))
    throw new SettingsError('BASICAUTH_KVS_ARN must be the ARN of a CloudFront KeyValueStore');
  const graceText = env.BASICAUTH_GRACE_SECONDS ?? '0';
  if (!/^\d+$/.test(graceText) || Number(graceText) > 30 * 86_400)
    throw new SettingsError(
      `BASICAUTH_GRACE_SECONDS is "${graceText}"; expected a whole number of seconds up to 30 days`,
    );
  return {
    kvsArn,
    graceSeconds: Number(graceText),
    passwordLength,
    excludeCharacters: env.BASICAUTH_EXCLUDE_CHARACTERS ?? DEFAULT_EXCLUDE_CHARACTERS,
    initialUsernames,
    webhookSecretArn,
    siteUrl: env.BASICAUTH_SITE_URL || undefined,
  };
}
