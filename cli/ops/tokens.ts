// `tokens create|list|revoke|rotate`: named bypass tokens for machines
// (handlers/shared/bypass-tokens.ts has the design). Each change is a new
// secret version, like `users add`; the token's value is printed by the
// command that makes it, once, and by nothing else.

import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  MAX_TOKEN_PATH_LENGTH,
  MAX_TOKEN_PATHS,
  parseTokens,
  storedToken,
  TOKEN_NAME_RULE,
  TOKENS_KEY,
  tokenNameProblem,
  type BypassToken,
} from '../../handlers/shared/bypass-tokens.js';
import { tokenEntry } from '../../handlers/shared/kvs-digests.js';
import { PATH_PATTERN } from '../../handlers/shared/patterns.js';
import { CliError, UsageError } from '../core/errors.js';
import { again } from '../core/next-steps.js';
import { readCurrent, refuseDuringRotation, writeCurrent, type CurrentValue } from './secret-writes.js';
import type { Target } from '../project/target.js';
import { tokenInfo, type TokenInfo } from './token-info.js';

export { EXPIRY_WARNING_MS, tokenInfo, type TokenInfo } from './token-info.js';

/** A key value store value is at most 1 KB: a token's entry must fit whichever engine runs later. */
export const STORE_VALUE_LIMIT = 1024;
export interface TokenChange {
  versionId: string;
  token: TokenInfo;
}

/** A new token's value: `bat_<id>_<32 random bytes, base64url>`. */
function newValue(id: string): string {
  return `bat_${id}_${randomBytes(32).toString('base64url')}`;
}

/** Checks a name before anything is read (a usage error names the rule). */
export function checkTokenName(name: string): void {
  const problem = tokenNameProblem(name);
  if (problem) throw new UsageError(`token name ${JSON.stringify(name)} ${problem}`, `use ${TOKEN_NAME_RULE}`);
}

/** `--paths "/api/*,/health"`: path patterns, checked against the rules the edge applies. */
export function parseTokenPaths(values: readonly string[] | undefined): string[] {
  const paths = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of paths) {
    if (!PATH_PATTERN.test(p))
      throw new UsageError(`--paths ${JSON.stringify(p)} is not a path pattern`, 'start it with /, e.g. "/api/*"');
    if (p.length > MAX_TOKEN_PATH_LENGTH)
      throw new UsageError(
        `--paths ${p.slice(0, 40)}… is longer than ${MAX_TOKEN_PATH_LENGTH} characters`,
        'use a shorter pattern, e.g. with *',
      );
  }
  if (paths.length > MAX_TOKEN_PATHS)
    throw new UsageError(
      `--paths lists ${paths.length} patterns; a token takes at most ${MAX_TOKEN_PATHS}`,
      'use * to cover several',
    );
  return [...new Set(paths)];
}

function tokensOf(current: CurrentValue): Map<string, BypassToken> {
  return parseTokens(current.value.raw);
}

/** The secret's value with one token set (or removed); every other entry as it was, even one the edge cannot read. */
function withToken(current: CurrentValue, name: string, token: BypassToken | undefined): Record<string, unknown> {
  const { [TOKENS_KEY]: old, ...rest } = current.value.raw;
  const all = { ...(old !== null && typeof old === 'object' && !Array.isArray(old) ? old : {}) } as Record<
    string,
    unknown
  >;
  if (token) all[name] = storedToken(token);
  else delete all[name];
  return Object.keys(all).length ? { ...rest, [TOKENS_KEY]: all } : rest;
}

/** The entry the CloudFront Functions engine would store must fit a key value store value. */
function checkFits(t: BypassToken, now: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(tokenEntry(t, '0'.repeat(32), now)));
  if (bytes > STORE_VALUE_LIMIT)
    throw new UsageError(
      `the token's entry in the key value store would be ${bytes} bytes; CloudFront allows ${STORE_VALUE_LIMIT} per value`,
      'give it fewer or shorter --paths (or a shorter name)',
    );
}

function noSuchToken(name: string, tokens: Map<string, BypassToken>): CliError {
  return new CliError(`no token named "${name}"`, {
    hint: tokens.size
      ? `tokens: ${[...tokens.keys()].join(', ')}`
      : `create one with ${again(`tokens create ${name}`)}`,
  });
}

export async function listTokens(sm: SecretsManagerClient, secretId: string, now = Date.now()): Promise<TokenInfo[]> {
  const current = await readCurrent(sm, secretId);
  return [...tokensOf(current).values()].map((t) => tokenInfo(t, now));
}

export async function createToken(
  sm: SecretsManagerClient,
  secretId: string,
  name: string,
  options: { expiresInMs: number | undefined; paths: string[]; now?: number },
): Promise<TokenChange & { value: string }> {
  const now = options.now ?? Date.now();
  const current = await readCurrent(sm, secretId);
  refuseDuringRotation(current.pending, 'tokens');
  const tokens = tokensOf(current);
  if (tokens.has(name))
    throw new CliError(`a token named "${name}" already exists`, {
      hint: `for a new value use ${again(`tokens rotate ${name}`)}; to replace it, ${again(`tokens revoke ${name}`)} first`,
    });
  const ids = new Set([...tokens.values()].map((t) => t.id));
  let id: string;
  do id = randomBytes(6).toString('hex');
  while (ids.has(id));
  const token: BypassToken = {
    name,
    id,
    token: newValue(id),
    created: now,
    expires: options.expiresInMs === undefined ? undefined : now + options.expiresInMs,
    paths: options.paths,
    previous: undefined,
  };
  checkFits(token, now);
  const versionId = await writeCurrent(sm, secretId, withToken(current, name, token), current);
  return { versionId, token: tokenInfo(token, now), value: token.token };
}

export async function revokeToken(sm: SecretsManagerClient, secretId: string, name: string): Promise<TokenChange> {
  const current = await readCurrent(sm, secretId);
  refuseDuringRotation(current.pending, 'tokens');
  const tokens = tokensOf(current);
  const token = tokens.get(name);
  const stored = current.value.raw[TOKENS_KEY] as Record<string, unknown> | undefined;
  // an entry the edge cannot read is refused already, and still goes
  if (!token && !(stored && typeof stored === 'object' && Object.hasOwn(stored, name))) throw noSuchToken(name, tokens);
  const versionId = await writeCurrent(sm, secretId, withToken(current, name, undefined), current);
  return {
    versionId,
    token: token
      ? tokenInfo(token, Date.now())
      : { name, id: '', created: '', expires: undefined, paths: [], previousUntil: undefined, state: 'expired' },
  };
}

export async function rotateToken(
  sm: SecretsManagerClient,
  secretId: string,
  name: string,
  /** expiresInMs: a new lifetime from now (null: never expires; undefined: the expiry stays) */
  options: { graceMs: number; expiresInMs?: number | null; now?: number },
): Promise<TokenChange & { value: string }> {
  const now = options.now ?? Date.now();
  const current = await readCurrent(sm, secretId);
  refuseDuringRotation(current.pending, 'tokens');
  const tokens = tokensOf(current);
  const old = tokens.get(name);
  if (!old) throw noSuchToken(name, tokens);
  const token: BypassToken = {
    ...old,
    token: newValue(old.id),
    expires:
      options.expiresInMs === undefined
        ? old.expires
        : options.expiresInMs === null
          ? undefined
          : now + options.expiresInMs,
    previous: options.graceMs > 0 ? { token: old.token, until: now + options.graceMs } : undefined,
  };
  const versionId = await writeCurrent(sm, secretId, withToken(current, name, token), current);
  return { versionId, token: tokenInfo(token, now), value: token.token };
}

/** A token's value by name, for `verify --token NAME` (never printed). */
export async function tokenValue(sm: SecretsManagerClient, secretId: string, name: string): Promise<string> {
  const tokens = tokensOf(await readCurrent(sm, secretId));
  const token = tokens.get(name);
  if (!token) throw noSuchToken(name, tokens);
  return token.token;
}

/**
 * When each token last let a request through, from the edge's decision lines
 * since `since` (every region of the engine's log group); undefined when the
 * logs cannot be read (no edge deployed, no permission): "unknown", not an error.
 */
export async function lastSeen(target: Target, since: number): Promise<Map<string, string> | undefined> {
  if (!target.functionName) return undefined;
  const [{ ENGINES }, logs] = await Promise.all([import('../engines/index.js'), import('./logs.js')]);
  try {
    const api = await target.clients.logs();
    const groups = await logs.findLogGroups(api, ENGINES[target.engine].logGroups(target.functionName));
    const entries = await logs.readLogGroups(api, groups, { startTime: since, outcome: 'allowed' });
    const seen = new Map<string, string>();
    for (const d of logs.decisionsOf(entries, { outcome: 'allowed' }))
      if (typeof d.line.token === 'string') seen.set(d.line.token, new Date(d.time).toISOString()); // sorted by time: the last wins
    return seen;
  } catch {
    return undefined;
  }
}
