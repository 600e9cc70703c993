// Whether the AWS profile a run names exists: the SDK only says "Could not load
// credentials from any providers", so basicauth reads the shared files itself.
// No imports of the CLI's own: errors.ts and target.ts both use it.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The AWS profile this run names (--profile, else AWS_PROFILE) when neither shared file
 * (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE) has it:
 * the SDK says only "Could not load credentials from any providers".
 */
export function missingProfile(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = profile ?? env.AWS_PROFILE;
  if (!name) return undefined;
  const home = env.HOME ?? homedir();
  const sections = [
    env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
  ].flatMap((file) => {
    try {
      return [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]/gm)].map((m) => m[1]);
    } catch {
      return [];
    }
  });
  return sections.includes(name) ? undefined : name;
}
