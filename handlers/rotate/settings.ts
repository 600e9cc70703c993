// The rotation Lambda's settings, from its environment (a regular Lambda may
// have one; Terraform sets these from basicauth.config.json).

export interface RotationSettings {
  passwordLength: number;
  excludeCharacters: string;
  /** usernames of the very first version, when the secret is still empty */
  initialUsernames: string[];
  /** optional Slack-compatible webhook told about each rotation */
  webhookUrl: string | undefined;
  /** the protected site, mentioned in the notification */
  siteUrl: string | undefined;
}

// Characters that break shell quoting, URLs (`user:pass@host`), .netrc and
// JSON embedding. What remains: letters, digits and - _ .
export const DEFAULT_EXCLUDE_CHARACTERS = ' "\'`$\\/@:?#[]%&=+;,<>{}|^~!*()';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readSettings(env: Readonly<Record<string, string | undefined>>): RotationSettings {
  const lengthText = env.BASICAUTH_PASSWORD_LENGTH ?? '32';
  const passwordLength = Number(lengthText);
  if (!/^\d+$/.test(lengthText) || passwordLength < 12 || passwordLength > 4096) {
    throw new SettingsError(`BASICAUTH_PASSWORD_LENGTH is "${lengthText}"; expected a whole number from 12 to 4096`);
  }
  const names = env.BASICAUTH_USERNAMES ?? env.BASICAUTH_USERNAME ?? 'admin';
  const initialUsernames = names.split(',').map((n) => n.trim());
  if (initialUsernames.some((n) => !/^[\x21-\x2b\x2d-\x39\x3b-\x7e]{1,64}$/.test(n)) || new Set(initialUsernames).size !== initialUsernames.length) {
    throw new SettingsError('BASICAUTH_USERNAMES must be distinct names of 1-64 printable ASCII characters without ":", "," or spaces, separated by commas');
  }
  const webhookUrl = env.BASICAUTH_WEBHOOK_URL || undefined;
  if (webhookUrl && !/^https?:\/\//.test(webhookUrl)) {
    throw new SettingsError('BASICAUTH_WEBHOOK_URL must be an http(s) URL');
  }
  return {
    passwordLength,
    excludeCharacters: env.BASICAUTH_EXCLUDE_CHARACTERS ?? DEFAULT_EXCLUDE_CHARACTERS,
    initialUsernames,
    webhookUrl,
    siteUrl: env.BASICAUTH_SITE_URL || undefined,
  };
}
