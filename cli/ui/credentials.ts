// The output formats of `basicauth show-creds`.

import { CliError } from '../core/errors.js';
import { formatWhen } from './dates.js';
import { shellQuote } from './shell.js';
import type { Credentials } from '../ops/show-creds.js';
import { again } from '../core/next-steps.js';

export const CREDENTIAL_FORMATS = ['text', 'json', 'env', 'curl', 'netrc', 'url'] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

/**
 * The one user a single-credential format shows: the only one, or, with
 * several and no --user, the first (the one the secret was created with), so
 * that an onboarding line keeps working after `users add` (the command says
 * which one it picked on stderr).
 */
function single(c: Credentials, _format: string): { username: string; password: string } {
  if (c.users.length === 0) throw new CliError('the secret has no users', { hint: again('users add NAME') });
  return c.users[0]!;
}

/** The note a command prints when a single-credential format picked one of several users. */
export function pickedUserNote(c: Credentials, format: CredentialFormat): string | undefined {
  if (c.users.length < 2 || format === 'json' || format === 'text') return undefined;
  return `the secret has ${c.users.length} users (${c.users.map((u) => u.username).join(', ')}): showing ${c.users[0]!.username}; pick another with --user NAME`;
}

function siteOrFail(c: Credentials, format: string): URL {
  if (!c.site)
    throw new CliError(`--format ${format} needs the site's URL, which is not known here`, {
      hint: 'use --local, or --site URL',
    });
  return new URL(c.site);
}

const when = (iso: string | undefined, now: number) => formatWhen(iso, now, 'not scheduled');

export function formatCredentials(c: Credentials, format: CredentialFormat, now = Date.now()): string {
  switch (format) {
    case 'json':
      return JSON.stringify(c, null, 2);
    case 'env': {
      const u = single(c, format);
      return [
        `BASICAUTH_USER=${shellQuote(u.username)}`,
        `BASICAUTH_PASSWORD=${shellQuote(u.password)}`,
        ...(c.site ? [`BASICAUTH_URL=${shellQuote(c.site)}`] : []),
      ].join('\n');
    }
    case 'curl': {
      const u = single(c, format);
      return `${u.username}:${u.password}`;
    }
    case 'netrc': {
      const u = single(c, format);
      return `machine ${siteOrFail(c, format).hostname} login ${u.username} password ${u.password}`;
    }
    case 'url': {
      const u = single(c, format);
      const url = siteOrFail(c, format);
      url.username = encodeURIComponent(u.username);
      url.password = encodeURIComponent(u.password);
      return url.href;
    }
    case 'text': {
      const width = Math.max(8, ...c.users.map((u) => u.username.length));
      const rows = [
        ...(c.site ? [`site      ${c.site}`] : []),
        ...(c.users.length === 1
          ? [`username  ${c.users[0]!.username}`, `password  ${c.users[0]!.password}`]
          : ['users', ...c.users.map((u) => `  ${u.username.padEnd(width)}  ${u.password}`)]),
        `set       ${when(c.setAt, now)}${c.stage === 'AWSPREVIOUS' ? '  (previous password)' : ''}`,
        ...(c.stage === 'AWSCURRENT' ? [`rotates   ${when(c.nextRotation, now)}`] : []),
      ];
      return rows.join('\n');
    }
  }
}
