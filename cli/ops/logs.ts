// `basicauth logs`: the edge's log groups in every region where they exist
// (Lambda@Edge logs where it ran, CloudFront Functions in us-east-1), read
// concurrently (paged; throttling retried by the client with back-off),
// merged by time, one decision per line; a summary; `--follow`; and
// retention set on every group found.

import { CliError, UsageError } from '../core/errors.js';
import type { LogsApi } from '../aws/logs.js';
import { step, type Emit } from '../core/events.js';

export type { LogsApi };
import { LOG_RETENTION_DAYS } from '../project/constants.js';
import type { StatusLogs } from './status.js';
import { parseLogMessage, type DecisionLine, type Outcome } from '../../handlers/shared/log-line.js';

/** Where an engine's edge logs: one group name, in these regions. */
export interface LogGroupSpec {
  name: string;
  regions: readonly string[];
}

export interface LogGroup {
  region: string;
  name: string;
  retentionInDays: number | undefined;
}

/** One line of the edge's, where and when CloudWatch has it. */
export interface LogEntry {
  time: number;
  region: string;
  stream: string;
  eventId: string;
  line: Record<string, unknown> & { event: string };
}

const RETENTION_DAYS = LOG_RETENTION_DAYS;

/** `--retention 30d` (or 30): a value CloudWatch Logs takes, else a usage error listing them. */
export function parseRetention(text: string): number {
  const m = /^(\d+)d?$/.exec(text.trim());
  const days = m ? Number(m[1]) : Number.NaN;
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new UsageError(
      `--retention ${text} is not a retention CloudWatch Logs takes`,
      `use one of ${RETENTION_DAYS.map((d) => `${d}d`).join(', ')}`,
    );
  }
  return days;
}

/** At most `limit` promises at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The engine's log groups that exist now, in every region it may log to. */
export async function findLogGroups(api: LogsApi, spec: LogGroupSpec): Promise<LogGroup[]> {
  const perRegion = await mapLimited(spec.regions, 8, async (region) => {
    const found: LogGroup[] = [];
    let token: string | undefined;
    do {
      const page = await api.describeLogGroups(region, spec.name, token);
      for (const g of page.groups)
        if (g.name === spec.name) found.push({ region, name: g.name, retentionInDays: g.retentionInDays });
      token = page.nextToken;
    } while (token);
    return found;
  });
  return perRegion.flat();
}

export interface ReadOptions {
  startTime: number;
  endTime?: number | undefined;
  outcome?: Outcome | undefined;
}

/** The server-side filter: basicauth's lines only (and one outcome, when asked), so less crosses the network. */
export function filterPatternFor(o: { outcome?: Outcome | undefined }): string {
  return `{ $.source = "basicauth-edge"${o.outcome ? ` && $.outcome = "${o.outcome}"` : ''} }`;
}

/** Every line of ours in these groups since `startTime`, every page of each, merged by time. */
export async function readLogGroups(api: LogsApi, groups: LogGroup[], o: ReadOptions): Promise<LogEntry[]> {
  const pattern = filterPatternFor(o);
  const perGroup = await mapLimited(groups, 6, async (g) => {
    const entries: LogEntry[] = [];
    let token: string | undefined;
    do {
      const page = await api.filterLogEvents(g.region, {
        group: g.name,
        startTime: o.startTime,
        endTime: o.endTime,
        pattern,
        nextToken: token,
      });
      for (const e of page.events) {
        const line = parseLogMessage(e.message);
        // a decision's own time orders it; CloudWatch's timestamp says when its line was written
        const time = typeof line?.time === 'number' ? line.time : e.timestamp;
        if (line) entries.push({ time, region: g.region, stream: e.logStreamName, eventId: e.eventId, line });
      }
      token = page.nextToken;
    } while (token);
    return entries;
  });
  return perGroup
    .flat()
    .sort((a, b) => a.time - b.time || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

export interface DecisionFilter {
  outcome?: Outcome | undefined;
  user?: string | undefined;
}

/** The decisions among the entries, as the flags ask. */
export function decisionsOf(
  entries: LogEntry[],
  f: DecisionFilter,
): Array<LogEntry & { line: DecisionLine & Record<string, unknown> }> {
  return entries.filter(
    (e): e is LogEntry & { line: DecisionLine & Record<string, unknown> } =>
      e.line.event === 'decision' &&
      (!f.outcome || e.line.outcome === f.outcome) &&
      (f.user === undefined || e.line.user === f.user),
  );
}

export interface LogSummary {
  decisions: number;
  byOutcome: Record<string, number>;
  /** outcome/reason -> count */
  byReason: Record<string, number>;
  byRegion: Record<string, number>;
  topRefusedUsers: Array<{ user: string; count: number }>;
  topRefusedAddresses: Array<{ ip: string; count: number }>;
  secretFetches: {
    count: number;
    failed: number;
    medianMs: number | undefined;
    p90Ms: number | undefined;
    maxMs: number | undefined;
  };
}

const top = (counts: Map<string, number>, n: number) =>
  [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);

export function summarize(entries: LogEntry[]): LogSummary {
  const count = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };
  const s: LogSummary = {
    decisions: 0,
    byOutcome: {},
    byReason: {},
    byRegion: {},
    topRefusedUsers: [],
    topRefusedAddresses: [],
    secretFetches: { count: 0, failed: 0, medianMs: undefined, p90Ms: undefined, maxMs: undefined },
  };
  const users = new Map<string, number>();
  const addresses = new Map<string, number>();
  const fetchMs: number[] = [];
  for (const e of entries) {
    const l = e.line;
    if (l.event === 'decision') {
      s.decisions++;
      count(s.byOutcome, String(l.outcome));
      count(s.byReason, `${String(l.outcome)}/${String(l.reason)}`);
      count(s.byRegion, e.region);
      if (l.outcome === 'refused') {
        if (typeof l.user === 'string') users.set(l.user, (users.get(l.user) ?? 0) + 1);
        if (typeof l.ip === 'string') addresses.set(l.ip, (addresses.get(l.ip) ?? 0) + 1);
      }
    } else if (l.event === 'secret.fetch') {
      s.secretFetches.count++;
      if (typeof l.ms === 'number') fetchMs.push(l.ms);
    } else if (l.event === 'secret.fetch-failed') {
      s.secretFetches.failed++;
    }
  }
  s.topRefusedUsers = top(users, 5).map(([user, n]) => ({ user, count: n }));
  s.topRefusedAddresses = top(addresses, 5).map(([ip, n]) => ({ ip, count: n }));
  fetchMs.sort((a, b) => a - b);
  if (fetchMs.length) {
    const at = (q: number) => fetchMs[Math.min(fetchMs.length - 1, Math.floor(q * fetchMs.length))] as number;
    s.secretFetches = { ...s.secretFetches, medianMs: at(0.5), p90Ms: at(0.9), maxMs: fetchMs.at(-1) };
  }
  return s;
}

/** `--retention`: every group found gets it; those that have it already are left alone. */
export async function setRetention(
  api: LogsApi,
  groups: LogGroup[],
  days: number,
): Promise<Array<LogGroup & { before: number | undefined }>> {
  return mapLimited(groups, 6, async (g) => {
    if (g.retentionInDays !== days) await api.putRetentionPolicy(g.region, g.name, days);
    return { ...g, before: g.retentionInDays, retentionInDays: days };
  });
}

/**
 * `--follow`: every `everyMs`, what arrived since the last look (CloudWatch may
 * store a line a little after its timestamp, so each look reaches back
 * `overlapMs` and skips the events already seen), and, every `rediscoverMs`,
 * the groups of regions that got their first traffic meanwhile.
 */
export async function follow(
  api: LogsApi,
  spec: LogGroupSpec,
  o: {
    groups: LogGroup[];
    since: number;
    outcome?: Outcome | undefined;
    everyMs: number;
    rediscoverMs?: number;
    overlapMs?: number;
    until: Promise<unknown>;
    onEntries: (entries: LogEntry[]) => void;
    emit: Emit;
  },
): Promise<void> {
  let groups = o.groups;
  let from = o.since;
  let lastDiscovery = Date.now();
  const seen = new Map<string, number>();
  let stopped = false;
  void o.until.then(() => {
    stopped = true;
  });
  const overlap = o.overlapMs ?? 10_000;
  while (!stopped) {
    if (Date.now() - lastDiscovery >= (o.rediscoverMs ?? 30_000)) {
      lastDiscovery = Date.now();
      const now = await findLogGroups(api, spec);
      const fresh = now.filter((g) => !groups.some((x) => x.region === g.region));
      if (fresh.length)
        o.emit({
          type: 'log',
          level: 'info',
          message: `new log group in ${fresh.map((g) => g.region).join(', ')}: the edge ran there for the first time`,
        });
      groups = now;
    }
    const entries = (
      await readLogGroups(api, groups, { startTime: Math.max(o.since, from - overlap), outcome: o.outcome })
    ).filter((e) => !seen.has(`${e.region}/${e.eventId}`));
    for (const e of entries) seen.set(`${e.region}/${e.eventId}`, e.time);
    if (entries.length) {
      from = Math.max(from, ...entries.map((e) => e.time));
      o.onEntries(entries);
    }
    for (const [key, time] of seen) if (time < from - 2 * overlap) seen.delete(key);
    await Promise.race([new Promise((r) => setTimeout(r, o.everyMs)), o.until]);
  }
}

/** The step that finds the groups, saying where they are (or that there are none yet, and why). */
export async function findStep(api: LogsApi, spec: LogGroupSpec, emit: Emit): Promise<LogGroup[]> {
  return step(
    emit,
    'find',
    `find the edge's log groups (${spec.name}) in ${spec.regions.length} region${spec.regions.length === 1 ? '' : 's'}`,
    () => findLogGroups(api, spec),
    (groups) => (groups.length ? `${groups.length} found: ${groups.map((g) => g.region).join(', ')}` : 'none yet'),
  );
}

export function noGroups(spec: LogGroupSpec): CliError {
  return new CliError(`no log group ${spec.name} in any of ${spec.regions.length} regions yet`, {
    hint: 'the edge writes its first lines where it first runs: send a request through the site (basicauth verify), then look again',
  });
}

/** The step that reads them. */
export function readStep(api: LogsApi, groups: LogGroup[], o: ReadOptions, emit: Emit): Promise<LogEntry[]> {
  return step(
    emit,
    'read',
    `read ${groups.length} log group${groups.length === 1 ? '' : 's'} since ${new Date(o.startTime).toISOString()}`,
    () => readLogGroups(api, groups, o),
    (entries) => `${entries.length} line${entries.length === 1 ? '' : 's'}`,
  );
}

/** What the summary counts: the decisions the flags ask for, and every secret fetch. */
export function decisionsOrFetches(entries: LogEntry[], f: DecisionFilter): LogEntry[] {
  const decisions = new Set<LogEntry>(decisionsOf(entries, f));
  return entries.filter((e) => decisions.has(e) || e.line.event.startsWith('secret.fetch'));
}

const THROTTLED = /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|LimitExceeded/;

/**
 * The same API, each call tried again after a throttle (FilterLogEvents allows a few calls per second per
 * account and region: reading a dozen regions' groups at once meets it): exponential back-off with full
 * jitter from `baseMs`, at most `attempts` tries, then the error as AWS gave it.
 */
export function withBackoff(
  api: LogsApi,
  o: {
    attempts?: number;
    baseMs?: number;
    sleep?: (ms: number) => Promise<void>;
    onRetry?: (what: string, attempt: number, waitMs: number) => void;
  } = {},
): LogsApi {
  const attempts = o.attempts ?? 6;
  const base = o.baseMs ?? 200;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retrying =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn(...args);
        } catch (error) {
          const name = (error as { name?: string })?.name ?? '';
          if (attempt >= attempts || !THROTTLED.test(name)) throw error;
          const waitMs = Math.round(Math.random() * base * 2 ** (attempt - 1));
          o.onRetry?.(what, attempt, waitMs);
          await sleep(waitMs);
        }
      }
    };
  return {
    describeLogGroups: retrying('DescribeLogGroups', api.describeLogGroups.bind(api)),
    filterLogEvents: retrying('FilterLogEvents', api.filterLogEvents.bind(api)),
    putRetentionPolicy: retrying('PutRetentionPolicy', api.putRetentionPolicy.bind(api)),
  };
}

/** status: the edge's log groups and their retention, or why they could not be listed. */
export async function logRetention(api: LogsApi, spec: LogGroupSpec): Promise<StatusLogs> {
  try {
    const groups = await findLogGroups(withBackoff(api), spec);
    return { name: spec.name, groups: groups.map((g) => ({ region: g.region, retentionInDays: g.retentionInDays })) };
  } catch (error) {
    return {
      name: spec.name,
      groups: [],
      error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}`,
    };
  }
}
