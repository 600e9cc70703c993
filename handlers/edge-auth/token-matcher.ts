// The bypass tokens of one secret version, as the Lambda@Edge engine checks
// them (handlers/shared/bypass-tokens.ts has the design). Like passwords, a
// token is kept only as a keyed digest (credential-matcher.ts), and a
// presented token or cookie is compared, without early exit, with every value
// its id may stand for (the current one and the replaced one): the time taken
// says nothing about how much of a guess was right. The id only picks the
// entry; an unknown id is compared with a dummy entry all the same.

import {
  COOKIE_LABEL,
  COOKIE_MAC_HEX,
  TOKEN_SECRET_OFFSET,
  tokenPathSource,
  type BypassToken,
} from '../shared/bypass-tokens.js';
import { bypassOf } from '../shared/path-patterns.js';
import { hmacSha256 } from '../shared/sha256.js';
import { asciiDigest, credentialDigest, sameDigest, type CredentialDigest } from './credential-matcher.js';

export type TokenKind = 'header' | 'cookie';

export type TokenVerdict =
  | { ok: true; name: string; previous: boolean; cookie: string; until: number | undefined }
  | { ok: false; reason: 'wrong-token' | 'expired-token' | 'token-path'; name?: string };

interface Entry {
  name: string;
  /** epoch ms; Infinity: never */
  expires: number;
  onPath: (uri: string) => boolean;
  /** [current, previous]: the token's digests, its cookie's digests, and the cookie values to set */
  tokens: [CredentialDigest, CredentialDigest | undefined];
  cookieDigests: [CredentialDigest, CredentialDigest | undefined];
  cookies: [string, string | undefined];
  previousUntil: number;
}

/** The cookie a token's link sets: `<id>.<HMAC-SHA256(key = token, COOKIE_LABEL), its first 128 bits in hex>`. */
export function cookieValueOf(id: string, token: string): string {
  const mac = hmacSha256(Buffer.from(token, 'utf8'), Buffer.from(COOKIE_LABEL, 'utf8'));
  return `${id}.${mac.toString('hex', 0, COOKIE_MAC_HEX / 2)}`;
}

/**
 * The keyed digest of a presented token (its secret part: the id only picks
 * the entry, and 43 characters fit one SHA-256 block after the key) or cookie
 * (45 characters: one block too).
 */
export function presentedDigest(value: string, kind: TokenKind): CredentialDigest {
  return asciiDigest(value, kind === 'header' ? TOKEN_SECRET_OFFSET : 0);
}

const everywhere = () => true;
// compared when an id is unknown, so that a miss costs what a hit costs; made at the first such miss, not at
// a cold start (module code runs before the secret's fetch is started)
let dummy: CredentialDigest | undefined;
const DUMMY = () => {
  dummy ??= credentialDigest('basicauth:no-such-token');
  return dummy;
};

export class TokenTable {
  private readonly byId = new Map<string, Entry>();

  constructor(tokens: ReadonlyMap<string, BypassToken>) {
    for (const t of tokens.values()) {
      const cookie = cookieValueOf(t.id, t.token);
      const previousCookie = t.previous && cookieValueOf(t.id, t.previous.token);
      const source = tokenPathSource(t.paths);
      this.byId.set(t.id, {
        name: t.name,
        expires: t.expires ?? Number.POSITIVE_INFINITY,
        onPath: source === undefined ? everywhere : bypassOf(source),
        tokens: [presentedDigest(t.token, 'header'), t.previous && presentedDigest(t.previous.token, 'header')],
        cookieDigests: [
          presentedDigest(cookie, 'cookie'),
          previousCookie === undefined ? undefined : presentedDigest(previousCookie, 'cookie'),
        ],
        cookies: [cookie, previousCookie],
        previousUntil: t.previous?.until ?? 0,
      });
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** Whether the token (or cookie) with this id and keyed digest lets a request for `uri` through at `now`. */
  check(id: string, candidate: CredentialDigest, kind: TokenKind, uri: string, now: number): TokenVerdict {
    const entry = this.byId.get(id);
    const digests = entry ? (kind === 'header' ? entry.tokens : entry.cookieDigests) : [DUMMY(), DUMMY()];
    // both compared, always: no early exit
    const current = sameDigest(candidate, digests[0]);
    const previous = digests[1] ? sameDigest(candidate, digests[1]) : sameDigest(candidate, DUMMY()) & 0;
    if (!entry || (current | previous) === 0) return { ok: false, reason: 'wrong-token' };
    const name = entry.name;
    // a replaced value past its grace is as good as any other wrong one
    if (current === 0 && now >= entry.previousUntil) return { ok: false, reason: 'wrong-token', name };
    if (now >= entry.expires) return { ok: false, reason: 'expired-token', name };
    if (!entry.onPath(uri)) return { ok: false, reason: 'token-path', name };
    const until = current === 1 ? entry.expires : Math.min(entry.expires, entry.previousUntil);
    return {
      ok: true,
      name,
      previous: current === 0,
      cookie: current === 1 ? entry.cookies[0] : (entry.cookies[1] as string),
      until: Number.isFinite(until) ? until : undefined,
    };
  }
}
