// `basicauth logs` for people: one line per decision, then the summary.

import type { LogEntry, LogGroup, LogSummary } from '../ops/logs.js';
import type { Style } from './plain.js';

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

/** `2026-12-06 22:40:01.123Z  eu-west-1       refused      wrong-credential    alice  203.0.113.9  GET /admin` */
export function decisionText(e: LogEntry, style: Style): string {
  const l = e.line;
  const outcome = String(l.outcome);
  const painted =
    outcome === 'allowed'
      ? style.green(pad(outcome, 11))
      : outcome === 'refused'
        ? style.yellow(pad(outcome, 11))
        : style.red(pad(outcome, 11));
  const time = new Date(e.time).toISOString().replace('T', ' ');
  const who = typeof l.user === 'string' ? l.user : '-';
  const request =
    `${typeof l.method === 'string' ? l.method : ''} ${typeof l.path === 'string' ? l.path : ''}`.trim() || '-';
  return [
    style.dim(time),
    pad(e.region, 14),
    painted,
    pad(String(l.reason ?? ''), 20),
    pad(who, 12),
    pad(typeof l.ip === 'string' ? l.ip : '-', 15),
    request,
  ]
    .join('  ')
    .trimEnd();
}

export function summaryText(s: LogSummary, groups: LogGroup[], style: Style): string {
  const lines: string[] = [
    style.bold(
      `${s.decisions} decision${s.decisions === 1 ? '' : 's'} from ${groups.length} log group${groups.length === 1 ? '' : 's'}`,
    ),
  ];
  const rows = (entries: Array<[string, number]>) =>
    entries.sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${pad(k, 34)} ${n}`);
  if (s.decisions) lines.push(...rows(Object.entries(s.byReason)));
  if (Object.keys(s.byRegion).length) lines.push(style.dim('by region'), ...rows(Object.entries(s.byRegion)));
  if (s.topRefusedUsers.length)
    lines.push(style.dim('most refused usernames'), ...s.topRefusedUsers.map((u) => `  ${pad(u.user, 34)} ${u.count}`));
  if (s.topRefusedAddresses.length)
    lines.push(
      style.dim('most refused client addresses'),
      ...s.topRefusedAddresses.map((a) => `  ${pad(a.ip, 34)} ${a.count}`),
    );
  const f = s.secretFetches;
  lines.push(
    f.count || f.failed
      ? `secret fetches: ${f.count}${f.failed ? `, ${style.red(`${f.failed} failed`)}` : ''}${f.medianMs !== undefined ? `; latency median ${f.medianMs} ms, p90 ${f.p90Ms} ms, max ${f.maxMs} ms` : ''}`
      : 'secret fetches: none in this window',
  );
  const forever = groups.filter((g) => g.retentionInDays === undefined);
  if (forever.length)
    lines.push(
      style.yellow(
        `${forever.length} log group${forever.length === 1 ? ' keeps' : 's keep'} these logs forever (no retention): ${forever.map((g) => g.region).join(', ')}`,
      ),
    );
  return lines.join('\n');
}
