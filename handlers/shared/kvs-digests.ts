// What the CloudFront Functions engine keeps in its KeyValueStore: never a
// password, never an unsalted hash. Per user, one key `u:<username>` holds
//
//   {"v": version id, "s": salt, "d": HMAC-SHA256(key = salt, "user:password"),
//    "ps", "pd": the same for the replaced password, "pu": until when (epoch ms) it still works}
//
// in hex; the salt is 16 random bytes drawn per version and user, so equal
// passwords never give equal digests and a digest says nothing about another
// version's. One key `basicauth:meta` names the version the store was
// published from: what `status` compares with AWSCURRENT and `rotate --now`
// waits for. Shared by the rotation function, the CLI and the tests; the
// function itself (handlers/cloudfront-function) reads the same layout.

import { createHmac, randomBytes } from 'node:crypto';
import { META_KEY, TOKEN_KEY_PREFIX, USER_KEY_PREFIX, type TokenDigestEntry } from './kvs-layout.js';
import { COOKIE_LABEL, COOKIE_MAC_HEX, tokenPathSource, type BypassToken } from './bypass-tokens.js';

export { META_KEY, TOKEN_KEY_PREFIX, USER_KEY_PREFIX, type TokenDigestEntry };

/** The value of a token link's cookie (the Lambda@Edge engine computes the same with its own SHA-256). */
export function tokenCookie(id: string, token: string): string {
  return `${id}.${createHmac('sha256', token).update(COOKIE_LABEL, 'utf8').digest('hex').slice(0, COOKIE_MAC_HEX)}`;
}

const hmac = (salt: string, value: string) => createHmac('sha256', salt).update(value, 'utf8').digest('hex');

/** A token's store entry; `salt` is kept from the entry it replaces when that one still verifies the token. */
export function tokenEntry(t: BypassToken, salt: string, now: number): TokenDigestEntry {
  const entry: TokenDigestEntry = {
    n: t.name,
    s: salt,
    d: hmac(salt, t.token),
    c: hmac(salt, tokenCookie(t.id, t.token)),
  };
  if (t.expires !== undefined) entry.e = t.expires;
  const paths = tokenPathSource(t.paths);
  if (paths !== undefined) entry.p = paths;
  if (t.previous && t.previous.until > now) {
    entry.pd = hmac(salt, t.previous.token);
    entry.pc = hmac(salt, tokenCookie(t.id, t.previous.token));
    entry.pu = t.previous.until;
  }
  return entry;
}

function tokenPuts(
  tokens: ReadonlyMap<string, BypassToken>,
  existing: ReadonlyMap<string, string>,
  now: number,
  salt: () => string,
): { puts: DigestPlan['puts']; unchanged: number; keys: Set<string> } {
  const puts: DigestPlan['puts'] = [];
  const keys = new Set<string>();
  let unchanged = 0;
  for (const t of tokens.values()) {
    const key = `${TOKEN_KEY_PREFIX}${t.id}`;
    keys.add(key);
    const text = existing.get(key);
    let old: Partial<TokenDigestEntry> | undefined;
    try {
      old = text === undefined ? undefined : (JSON.parse(text) as Partial<TokenDigestEntry>);
    } catch {
      old = undefined;
    }
    const kept = old && typeof old.s === 'string' && old.d === hmac(old.s, t.token) ? old.s : undefined;
    const next = JSON.stringify(tokenEntry(t, kept ?? salt(), now));
    if (kept !== undefined && next === text) unchanged++;
    else puts.push({ Key: key, Value: next });
  }
  return { puts, unchanged, keys };
}

export interface DigestEntry {
  v: string;
  s: string;
  d: string;
  ps?: string;
  pd?: string;
  pu?: number;
}

export interface StoreMeta {
  /** the AWSCURRENT version the digests were made from */
  v: string;
  /** how many users */
  n: number;
  /** when it was published, epoch ms */
  t: number;
  /** the grace period it was published with, seconds (so that a sync without the config keeps it) */
  g?: number;
}

export interface VersionUsers {
  versionId: string;
  users: ReadonlyMap<string, string>;
  /** the current version's bypass tokens (the previous version's are not read: a token carries its own grace) */
  tokens?: ReadonlyMap<string, BypassToken>;
}

export interface DigestPlanInput {
  current: VersionUsers;
  /** AWSPREVIOUS, when its passwords still work (grace) */
  previous?: VersionUsers | undefined;
  /** epoch ms until which the previous passwords work; ignored without `previous` */
  previousUntil?: number | undefined;
  /** what the store holds now: key -> value */
  existing: ReadonlyMap<string, string>;
  now: number;
  /** recorded in the meta key */
  graceSeconds?: number;
  salt?: () => string;
}

export interface DigestPlan {
  puts: Array<{ Key: string; Value: string }>;
  deletes: Array<{ Key: string }>;
  /** keys whose entries already match (nothing to write) */
  unchanged: number;
}

export const newSalt = (): string => randomBytes(16).toString('hex');

const UNTIL_SKEW_MS = 60_000;

export function saltedDigest(salt: string, username: string, password: string): string {
  return createHmac('sha256', salt).update(`${username}:${password}`, 'utf8').digest('hex');
}

function parseEntry(text: string | undefined): DigestEntry | undefined {
  if (text === undefined) return undefined;
  try {
    const e = JSON.parse(text) as DigestEntry;
    return e && typeof e.v === 'string' && typeof e.s === 'string' && typeof e.d === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

export function parseMeta(text: string | undefined): StoreMeta | undefined {
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as StoreMeta;
    return m && typeof m.v === 'string' && typeof m.n === 'number' && typeof m.t === 'number' ? m : undefined;
  } catch {
    return undefined;
  }
}

const verifies = (salt: string | undefined, digest: string | undefined, user: string, password: string) =>
  salt !== undefined && digest !== undefined && saltedDigest(salt, user, password) === digest;

/** An entry as the function reads it at `now`: a replaced password past its grace counts as absent. */
function effective(e: DigestEntry, now: number): DigestEntry {
  if (e.pu === undefined || e.pu > now) return e;
  return { v: e.v, s: e.s, d: e.d };
}

/**
 * The writes that make the store hold exactly the digests of `current` (and of
 * `previous` within its grace). An entry that already verifies keeps its salt,
 * so publishing twice writes nothing the second time (idempotent, and a sync of
 * a store in step is a no-op).
 */
export function planDigests(input: DigestPlanInput): DigestPlan {
  const salt = input.salt ?? newSalt;
  const { current, existing, now } = input;
  const previous = input.previous && (input.previousUntil ?? 0) > now ? input.previous : undefined;
  const puts: DigestPlan['puts'] = [];
  let unchanged = 0;
  for (const [user, password] of current.users) {
    const key = `${USER_KEY_PREFIX}${user}`;
    const old = parseEntry(existing.get(key));
    const next: DigestEntry =
      old && old.v === current.versionId && verifies(old.s, old.d, user, password)
        ? { v: current.versionId, s: old.s, d: old.d }
        : stamp(current.versionId, user, password, salt());
    const previousPassword = previous?.users.get(user);
    if (previous && previousPassword !== undefined) {
      // the old entry's own digests are the previous version's when it was current
      const reuse =
        old && old.v === previous.versionId && verifies(old.s, old.d, user, previousPassword)
          ? { s: old.s, d: old.d }
          : old && verifies(old.ps, old.pd, user, previousPassword)
            ? { s: old.ps!, d: old.pd! }
            : undefined;
      let p = reuse;
      if (!p) {
        const s = salt();
        p = { s, d: saltedDigest(s, user, previousPassword) };
      }
      // The rotation publishes as it finishes; Secrets Manager stamps LastRotatedDate a moment later: the
      // same grace, a few seconds apart, is not a change.
      const until =
        old?.pu !== undefined && Math.abs(old.pu - (input.previousUntil as number)) <= UNTIL_SKEW_MS
          ? old.pu
          : input.previousUntil;
      Object.assign(next, { ps: p.s, pd: p.d, pu: until });
    }
    if (old && JSON.stringify(effective(old, now)) === JSON.stringify(next)) unchanged++;
    else puts.push({ Key: key, Value: JSON.stringify(next) });
  }
  const tokens = tokenPuts(current.tokens ?? new Map(), existing, now, salt);
  puts.push(...tokens.puts);
  unchanged += tokens.unchanged;
  const meta: StoreMeta = { v: current.versionId, n: current.users.size, t: now, g: input.graceSeconds ?? 0 };
  const oldMeta = parseMeta(existing.get(META_KEY));
  if (!oldMeta || oldMeta.v !== meta.v || oldMeta.n !== meta.n || (oldMeta.g ?? 0) !== meta.g || puts.length > 0)
    puts.push({ Key: META_KEY, Value: JSON.stringify(meta) });
  else unchanged++;
  const deletes = [...existing.keys()]
    .filter(
      (k) =>
        (k.startsWith(USER_KEY_PREFIX) && !current.users.has(k.slice(USER_KEY_PREFIX.length))) ||
        (k.startsWith(TOKEN_KEY_PREFIX) && !tokens.keys.has(k)),
    )
    .map((Key) => ({ Key }));
  return { puts, deletes, unchanged };
}

function stamp(versionId: string, user: string, password: string, s: string): DigestEntry {
  return { v: versionId, s, d: saltedDigest(s, user, password) };
}

/** Whether the store is in step with `current` (and `previous` in its grace): nothing to write. */
export function inStep(input: Omit<DigestPlanInput, 'salt'>): boolean {
  const plan = planDigests({ ...input, salt: () => 'x' });
  return plan.deletes.length === 0 && plan.puts.length === 0;
}
