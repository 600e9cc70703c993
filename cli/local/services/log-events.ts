// Log streams and events of the local CloudWatch Logs, kept in memory (the
// last EVENTS_PER_GROUP events of each group: they live as long as dev runs;
// the groups, their retention and tags persist). FilterLogEvents answers as
// AWS documents it: events of every stream interleaved by time, startTime and
// endTime inclusive, at most `limit` (1 to 10,000) per page with a nextToken,
// and the filter pattern syntax's plain terms, quoted phrases and JSON
// equality tests ({ $.field = "value" }, joined by &&); a pattern beyond that
// is refused, never matched loosely.

import { ServiceError } from '../plugin.js';

export interface LogEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export const EVENTS_PER_GROUP = 10_000;
/** PutLogEvents: at most 10,000 events and 1,048,576 bytes (each event's UTF-8 message plus 26 bytes). */
const PUT_MAX_EVENTS = 10_000;
const PUT_MAX_BYTES = 1_048_576;
const DAY = 86_400_000;

const invalid = (message: string) => new ServiceError('InvalidParameterException', message);

/** A compiled filter pattern: whether a message matches. */
export type Matcher = (message: string) => boolean;

/** CloudWatch Logs' filter pattern syntax, the parts basicauth and its users need; anything else is refused. */
export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw invalid('Invalid filter pattern');
    const tests = text
      .slice(1, -1)
      .split('&&')
      .map((part) => {
        const m = /^\s*\$\.([A-Za-z_][\w.]*)\s*(=|!=)\s*(?:"([^"]*)"|([\w.:/-]+))\s*$/.exec(part);
        if (!m) throw invalid('Invalid filter pattern');
        const [, path, op, quoted, bare] = m as unknown as [
          string,
          string,
          string,
          string | undefined,
          string | undefined,
        ];
        const want = quoted ?? (bare as string);
        return (doc: unknown) => {
          const value = path
            .split('.')
            .reduce<unknown>(
              (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
              doc,
            );
          const equal = value !== undefined && value !== null && String(value) === want;
          return op === '=' ? equal : !equal;
        };
      });
    return (message) => {
      const start = message.indexOf('{');
      if (start < 0) return false;
      let doc: unknown;
      try {
        doc = JSON.parse(message.slice(start));
      } catch {
        return false;
      }
      return tests.every((t) => t(doc));
    };
  }
  const terms: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const term = m[1] ?? (m[2] as string);
    if (/^[?-]|[[\]]/.test(term)) throw invalid('Invalid filter pattern');
    terms.push(term);
  }
  return (message) => terms.every((t) => message.includes(t));
}

export class LogEvents {
  private readonly byGroup = new Map<string, LogEvent[]>();
  private readonly streams = new Map<string, Map<string, { created: number; lastEventTimestamp?: number }>>();
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  private key(region: string, group: string): string {
    return `${region}\u0000${group}`;
  }

  streamsOf(region: string, group: string): Map<string, { created: number; lastEventTimestamp?: number }> {
    const key = this.key(region, group);
    let streams = this.streams.get(key);
    if (!streams) {
      streams = new Map();
      this.streams.set(key, streams);
    }
    return streams;
  }

  createStream(region: string, group: string, stream: string): void {
    if (!/^[^:*]{1,512}$/.test(stream))
      throw invalid(
        `1 validation error detected: Value '${stream}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
      );
    const streams = this.streamsOf(region, group);
    if (streams.has(stream))
      throw new ServiceError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    streams.set(stream, { created: this.now() });
  }

  dropGroup(region: string, group: string): void {
    this.byGroup.delete(this.key(region, group));
    this.streams.delete(this.key(region, group));
  }

  /** PutLogEvents' checks and effect: chronological within the batch, limits, events too old or too new rejected (reported, not stored). */
  put(region: string, group: string, stream: string, events: Array<{ timestamp: number; message: string }>) {
    const info = this.streamsOf(region, group).get(stream);
    if (!info) throw new ServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
    if (events.length === 0 || events.length > PUT_MAX_EVENTS)
      throw invalid(
        `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and ${PUT_MAX_EVENTS}`,
      );
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as { timestamp: number; message: string };
      if (typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message.length === 0)
        throw invalid('Each log event needs a timestamp and a non-empty message.');
      if (i > 0 && e.timestamp < (events[i - 1] as { timestamp: number }).timestamp)
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
      bytes += Buffer.byteLength(e.message) + 26;
    }
    if (bytes > PUT_MAX_BYTES)
      throw invalid(`Log events in a single PutLogEvents request must not exceed ${PUT_MAX_BYTES} bytes.`);
    const now = this.now();
    let tooOld: number | undefined;
    let tooNew: number | undefined;
    const list = this.byGroup.get(this.key(region, group)) ?? [];
    events.forEach((e, i) => {
      if (e.timestamp < now - 14 * DAY) tooOld = i;
      else if (e.timestamp > now + 2 * 3_600_000) tooNew ??= i;
      else
        list.push({
          logStreamName: stream,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: now,
          eventId: String(this.nextId++).padStart(56, '0'),
        });
    });
    if (list.length > EVENTS_PER_GROUP) list.splice(0, list.length - EVENTS_PER_GROUP);
    this.byGroup.set(this.key(region, group), list);
    info.lastEventTimestamp = Math.max(info.lastEventTimestamp ?? 0, ...events.map((e) => e.timestamp));
    return {
      ...(tooOld !== undefined || tooNew !== undefined
        ? {
            rejectedLogEventsInfo: {
              ...(tooOld !== undefined ? { tooOldLogEventEndIndex: tooOld } : {}),
              ...(tooNew !== undefined ? { tooNewLogEventStartIndex: tooNew } : {}),
            },
          }
        : {}),
    };
  }

  /** FilterLogEvents over one group. `nextToken` is the index of the next event in the filtered, time-ordered list. */
  filter(
    region: string,
    group: string,
    o: {
      streams?: string[];
      streamPrefix?: string;
      startTime?: number;
      endTime?: number;
      pattern?: string;
      limit?: number;
      nextToken?: string;
    },
  ): { events: LogEvent[]; nextToken?: string } {
    if (o.streams && o.streamPrefix !== undefined)
      throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive');
    if (o.streams && (o.streams.length < 1 || o.streams.length > 100))
      throw invalid(
        "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100",
      );
    const limit = o.limit ?? 10_000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw invalid(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000`,
      );
    const matches = compileFilterPattern(o.pattern);
    const streams = o.streams ? new Set(o.streams) : undefined;
    const all = (this.byGroup.get(this.key(region, group)) ?? [])
      .filter(
        (e) =>
          (!streams || streams.has(e.logStreamName)) &&
          (o.streamPrefix === undefined || e.logStreamName.startsWith(o.streamPrefix)) &&
          (o.startTime === undefined || e.timestamp >= o.startTime) &&
          (o.endTime === undefined || e.timestamp <= o.endTime) &&
          matches(e.message),
      )
      .sort((a, b) => a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : 1));
    let start = 0;
    if (o.nextToken !== undefined) {
      const m = /^f\/(\d+)$/.exec(o.nextToken);
      if (!m) throw invalid('The specified nextToken is invalid.');
      start = Number(m[1]);
    }
    // a page also ends at 1 MB of messages, as AWS's does
    const page: LogEvent[] = [];
    let bytes = 0;
    for (let i = start; i < all.length && page.length < limit; i++) {
      const e = all[i] as LogEvent;
      bytes += Buffer.byteLength(e.message);
      if (page.length > 0 && bytes > PUT_MAX_BYTES) break;
      page.push(e);
    }
    const next = start + page.length;
    return { events: page, ...(next < all.length ? { nextToken: `f/${next}` } : {}) };
  }
}
