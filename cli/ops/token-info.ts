// A bypass token as `tokens list` and `status` show it: never its value.

import type { BypassToken } from '../../handlers/shared/bypass-tokens.js';

/** `status` warns this long before a token expires */
export const EXPIRY_WARNING_MS = 7 * 86_400_000;

export interface TokenInfo {
  name: string;
  id: string;
  created: string;
  expires: string | undefined;
  paths: string[];
  /** until when the value replaced by `tokens rotate` still works */
  previousUntil: string | undefined;
  state: 'active' | 'expiring' | 'expired';
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function tokenInfo(t: BypassToken, now: number): TokenInfo {
  const state =
    t.expires !== undefined && t.expires <= now
      ? 'expired'
      : t.expires !== undefined && t.expires - now <= EXPIRY_WARNING_MS
        ? 'expiring'
        : 'active';
  return {
    name: t.name,
    id: t.id,
    created: iso(t.created) as string,
    expires: iso(t.expires),
    paths: t.paths,
    previousUntil: t.previous && t.previous.until > now ? iso(t.previous.until) : undefined,
    state,
  };
}
