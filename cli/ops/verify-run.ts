// `verify <url>` and the verification `rotate --now --verify` and `deploy --verify` run.
// Reads the target's credentials where none are given, runs the checks, prints the table.

import { writeFile } from 'node:fs/promises';
import { CliError, UsageError } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import type { Target } from '../project/target.js';

export interface VerifyFlags {
  user?: string;
  password?: string;
  passwordStdin?: boolean;
  /** a bypass token, by name (read from the secret) */
  token?: string;
  tokenStdin?: boolean;
  allowIndexing?: boolean;
  allowHttp?: boolean;
  expect: string;
  realm?: string;
  previous?: boolean;
  followRedirects?: boolean;
  wait?: string;
  junit?: string;
  json?: boolean;
  local?: boolean;
  stateDir?: string;
  region?: string;
  profile?: string;
  secretId?: string;
}

/** Shared with `rotate --now --verify`. Prints the table unless quiet or --json; returns the result. */
export async function runVerify(
  url: string | undefined,
  flags: VerifyFlags,
  ctx: CommandContext,
  options: { quiet: boolean; target?: Target },
) {
  const [
    { verifySite, junitXml, parseDuration, statusMatcher },
    { resolveTarget },
    { readCredentials },
    { verifyTable },
  ] = await Promise.all([
    import('./verify.js'),
    import('../project/target.js'),
    import('./show-creds.js'),
    import('../ui/verify-table.js'),
  ]);
  const user = flags.user ?? ctx.env.BASICAUTH_USER;
  // usage first: a wrong flag is exit 2 before anything is read or asked
  statusMatcher(flags.expect);
  const waitMs = flags.wait ? parseDuration(flags.wait, '--wait') : 0;
  if (flags.password !== undefined && flags.passwordStdin)
    throw new UsageError('--password and --password-stdin are exclusive', 'keep --password-stdin');
  const tokenMode = flags.token !== undefined || Boolean(flags.tokenStdin);
  if (tokenMode && (flags.password !== undefined || flags.passwordStdin || flags.previous || flags.user))
    throw new UsageError(
      'a token is checked instead of a password',
      'pass either --token/--token-stdin or the password flags',
    );
  if (flags.token !== undefined && flags.tokenStdin)
    throw new UsageError(
      '--token and --token-stdin are exclusive',
      'keep --token-stdin for a value, --token for a name',
    );
  const stdinToken = flags.tokenStdin ? await readStdinLine('--token-stdin', 'token') : undefined;
  const password = tokenMode
    ? undefined
    : flags.passwordStdin
      ? await readStdinLine('--password-stdin', 'password')
      : (flags.password ?? ctx.env.BASICAUTH_PASSWORD);
  let target = options.target;
  const needTarget = tokenMode ? flags.token !== undefined || !url : !password || flags.previous || !url;
  if (needTarget && !target) {
    try {
      target = await resolveTarget(flags, ctx.env);
    } catch (error) {
      if (!url && (flags.local || flags.stateDir)) throw error; // e.g. no `basicauth dev` running: say that
      if (!url)
        throw new UsageError('no URL to verify', 'pass the URL, or --local to verify the running `basicauth dev`');
      if (!password)
        throw new CliError('no credentials to verify with', {
          hint: 'pass --user and --password (or BASICAUTH_USER/BASICAUTH_PASSWORD), or --secret-id/--local to read them from the secret',
          cause: error,
        });
      throw error;
    }
  }
  const siteUrl = url ?? target?.siteUrl;
  if (!siteUrl) throw new UsageError('no URL to verify', 'pass the URL as the first argument');
  refusePlainHttp(siteUrl, Boolean(flags.allowHttp));
  const pick = async (previous: boolean) => {
    const creds = await readCredentials(target as Target, { previous, ...(user ? { user } : {}) });
    return { username: creds.users[0]!.username, password: creds.users[0]!.password };
  };
  const token =
    stdinToken ??
    (flags.token !== undefined
      ? await (await import('./tokens.js')).tokenValue(
          await (target as Target).clients.secretsManager(),
          (target as Target).secretId,
          flags.token,
        )
      : undefined);
  const current = tokenMode ? undefined : password ? { username: user ?? 'admin', password } : await pick(false);
  const previous = flags.previous ? await pick(true) : undefined;
  const result = await verifySite(
    {
      url: siteUrl,
      current,
      token,
      indexable: Boolean(flags.allowIndexing) || target?.noindex === false,
      previous,
      expect: flags.expect,
      realm: flags.realm,
      followRedirects: Boolean(flags.followRedirects),
      waitMs,
      requestTimeoutMs: 10_000,
      retryDelayMs: target?.local ? 250 : 2000,
    },
    await ctx.progress({ json: flags.json || options.quiet }),
  );
  if (flags.junit) await writeFile(flags.junit, junitXml(result));
  if (!flags.json && !options.quiet) ctx.print(verifyTable(result, ctx.style()));
  return result;
}

/** The first line of standard input: a password or token piped in stays out of ps and shell history. */
async function readStdinLine(flag: string, what: string): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(
      `${flag} reads a pipe, and standard input is a terminal`,
      `pipe it: printf %s "$${what.toUpperCase()}" | basicauth verify … ${flag}`,
    );
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError(`${flag} read an empty ${what}`, `pipe the ${what} in, without a leading blank line`);
  return line;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Basic credentials over plain http:// to another machine can be read on the way: refuse unless asked. */
function refusePlainHttp(url: string, allowed: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${url} is not a URL`, 'pass it as https://host/path');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(
      `${url}: verify speaks https:// and http://, not ${parsed.protocol}//`,
      `pass it as https://${parsed.host || 'host'}${parsed.pathname.startsWith('/') ? parsed.pathname : '/'}`,
    );
  }
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname) && !allowed) {
    throw new CliError(
      `refusing to send credentials over plain http:// to ${parsed.host}: anyone on the way can read them`,
      {
        hint: `use https://${parsed.host}${parsed.pathname}, or pass --allow-http if this network is yours`,
      },
    );
  }
}
