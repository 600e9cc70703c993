// The edge's log lines: one JSON object per line, on stdout (Lambda@Edge) or
// console.log (CloudFront Functions), which CloudWatch Logs stores in the
// region that ran it. `basicauth logs` reads them back. The format is stable
// (the README documents it); fields are only ever added.
//
//   {"level":"info","source":"basicauth-edge","event":"decision","time":1765065434689,"outcome":"refused",
//    "reason":"wrong-credential","status":401,"user":"alice","ip":"203.0.113.9","method":"GET","path":"/admin"}
//
// Never a password, a token or an Authorization header: `user` is the name a
// request gave (cut at 64 characters), `token` the name of a bypass token,
// `path` the URI without its query.

export const LOG_SOURCE = 'basicauth-edge';

export type Outcome = 'allowed' | 'refused' | 'unavailable';

export interface DecisionLine {
  event: 'decision';
  /** when it was decided (epoch ms): the order of decisions across regions, whenever their lines reached CloudWatch */
  time?: number;
  outcome: Outcome;
  /** why: credential, previous-credential, bypass-path, allowlist, cors-preflight, missing, malformed, wrong-credential, no-credential-known, ... */
  reason: string;
  /** the status the edge answered with; absent when the request went on to the origin */
  status?: number;
  user?: string;
  /** the name of the bypass token that was used (never its value) */
  token?: string;
  ip?: string;
  method?: string;
  path?: string;
}

/** The username as a log line may carry it: printable, at most 64 characters. */
export function loggableUser(user: string): string {
  const clean = user.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

/** A stored log message as basicauth wrote it, or undefined: runtimes put a prefix before the JSON (time, request id, level). */
export function parseLogMessage(message: string): (Record<string, unknown> & { event: string }) | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const value = JSON.parse(message.slice(start)) as unknown;
    if (
      value &&
      typeof value === 'object' &&
      (value as { source?: unknown }).source === LOG_SOURCE &&
      typeof (value as { event?: unknown }).event === 'string'
    ) {
      return value as Record<string, unknown> & { event: string };
    }
  } catch {
    // not one of ours
  }
  return undefined;
}
