import { describe, expect, it } from 'vitest';
import { compileFilterPattern, LogEvents } from '../../../cli/local/services/log-events.js';
import {
  decisionsOf,
  filterPatternFor,
  parseRetention,
  readLogGroups,
  summarize,
  withBackoff,
  type LogsApi,
} from '../../../cli/ops/logs.js';
import { parseLogMessage } from '../../../handlers/shared/log-line.js';

const line = (o: Record<string, unknown>) => JSON.stringify({ level: 'info', source: 'basicauth-edge', ...o });

describe('the local FilterLogEvents', () => {
  it('matches terms, quoted phrases and JSON equality, and refuses what it does not understand', () => {
    expect(compileFilterPattern('')('anything')).toBe(true);
    expect(compileFilterPattern('ERROR timeout')('ERROR: a timeout')).toBe(true);
    expect(compileFilterPattern('ERROR timeout')('ERROR only')).toBe(false);
    expect(compileFilterPattern('"two words"')('say two words')).toBe(true);
    const refused = compileFilterPattern('{ $.source = "basicauth-edge" && $.outcome = "refused" }');
    expect(refused(`2026-12-06T00:00:00Z\tid\tINFO\t${line({ event: 'decision', outcome: 'refused' })}`)).toBe(true);
    expect(refused(line({ event: 'decision', outcome: 'allowed' }))).toBe(false);
    expect(refused('not json {')).toBe(false);
    expect(compileFilterPattern('{ $.status != 401 }')(line({ status: 200 }))).toBe(true);
    for (const bad of ['{ $.a ~ 1 }', '{ $.a = 1', '?ERROR ?WARN', '[ip, user]'])
      expect(() => compileFilterPattern(bad)).toThrow(/Invalid filter pattern/);
  });

  it('interleaves streams by time, pages with nextToken, keeps start and end inclusive, and checks PutLogEvents as AWS does', () => {
    let now = 1_000_000_000_000;
    const events = new LogEvents(() => now);
    events.createStream('eu-west-1', 'g', 'a');
    events.createStream('eu-west-1', 'g', 'b');
    expect(() => events.createStream('eu-west-1', 'g', 'a')).toThrow(/already exists/);
    events.put('eu-west-1', 'g', 'a', [
      { timestamp: now - 30, message: 'a1' },
      { timestamp: now - 10, message: 'a2' },
    ]);
    events.put('eu-west-1', 'g', 'b', [{ timestamp: now - 20, message: 'b1' }]);
    expect(() =>
      events.put('eu-west-1', 'g', 'a', [
        { timestamp: now, message: 'x' },
        { timestamp: now - 1, message: 'y' },
      ]),
    ).toThrow(/chronological/);
    expect(events.put('eu-west-1', 'g', 'a', [{ timestamp: now - 15 * 86_400_000, message: 'old' }])).toEqual({
      rejectedLogEventsInfo: { tooOldLogEventEndIndex: 0 },
    });
    const first = events.filter('eu-west-1', 'g', { limit: 2 });
    expect(first.events.map((e) => e.message)).toEqual(['a1', 'b1']);
    const second = events.filter('eu-west-1', 'g', { limit: 2, nextToken: first.nextToken as string });
    expect(second.events.map((e) => e.message)).toEqual(['a2']);
    expect(second.nextToken).toBeUndefined();
    expect(
      events.filter('eu-west-1', 'g', { startTime: now - 20, endTime: now - 10 }).events.map((e) => e.message),
    ).toEqual(['b1', 'a2']);
    expect(events.filter('eu-west-1', 'g', { streams: ['b'] }).events.map((e) => e.message)).toEqual(['b1']);
    expect(() => events.filter('eu-west-1', 'g', { streams: ['b'], streamPrefix: 'b' })).toThrow(/mutually exclusive/);
    expect(() => events.filter('eu-west-1', 'g', { limit: 10_001 })).toThrow(/between 1 and 10000/);
    expect(events.filter('us-east-1', 'g', {}).events).toEqual([]);
    now += 1;
  });
});

describe('basicauth logs, its parts', () => {
  const decision = (o: Record<string, unknown>) => line({ event: 'decision', ...o });
  const api = (byRegion: Record<string, string[]>): LogsApi => ({
    describeLogGroups: async (region) => ({ groups: byRegion[region] ? [{ name: 'g' }] : [] }),
    // two events per page, to make the reader page
    filterLogEvents: async (region, input) => {
      const all = (byRegion[region] ?? []).map((message, i) => ({
        timestamp: Date.parse(message.match(/"t":"([^"]+)"/)?.[1] ?? '') || i,
        message,
        logStreamName: 's',
        eventId: `${region}-${i}`,
      }));
      const start = Number(input.nextToken ?? 0);
      return {
        events: all.slice(start, start + 2),
        ...(start + 2 < all.length ? { nextToken: String(start + 2) } : {}),
      };
    },
    putRetentionPolicy: async () => {},
  });

  it('reads every page of every region and merges by time; filters; summarizes; never needs a password', async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 11, 6, 0, 0, s)).toISOString();
    const logs = api({
      'us-east-1': [
        decision({ t: t(1), outcome: 'allowed', reason: 'credential', user: 'alice' }),
        decision({ t: t(3), outcome: 'refused', reason: 'wrong-credential', user: 'eve', ip: '203.0.113.9' }),
        line({ t: t(4), event: 'secret.fetch', ms: 12 }),
      ],
      'eu-west-1': [
        decision({ t: t(2), outcome: 'refused', reason: 'missing', ip: '203.0.113.9' }),
        'START RequestId: x',
        decision({ t: t(5), outcome: 'refused', reason: 'wrong-credential', user: 'eve' }),
      ],
    });
    const entries = await readLogGroups(
      logs,
      [
        { region: 'us-east-1', name: 'g', retentionInDays: undefined },
        { region: 'eu-west-1', name: 'g', retentionInDays: 30 },
      ],
      { startTime: 0 },
    );
    expect(entries.map((e) => `${e.region} ${e.line.reason ?? e.line.event}`)).toEqual([
      'us-east-1 credential',
      'eu-west-1 missing',
      'us-east-1 wrong-credential',
      'us-east-1 secret.fetch',
      'eu-west-1 wrong-credential',
    ]);
    expect(decisionsOf(entries, { outcome: 'refused', user: 'eve' })).toHaveLength(2);
    const s = summarize(entries);
    expect(s).toMatchObject({
      decisions: 4,
      byOutcome: { allowed: 1, refused: 3 },
      byRegion: { 'us-east-1': 2, 'eu-west-1': 2 },
    });
    expect(s.topRefusedUsers).toEqual([{ user: 'eve', count: 2 }]);
    expect(s.topRefusedAddresses).toEqual([{ ip: '203.0.113.9', count: 2 }]);
    expect(s.secretFetches).toMatchObject({ count: 1, medianMs: 12 });
    expect(filterPatternFor({ outcome: 'refused' })).toBe('{ $.source = "basicauth-edge" && $.outcome = "refused" }');
  });

  it('waits out throttles with back-off, up to a limit, and lets other errors through at once', async () => {
    let calls = 0;
    const waits: number[] = [];
    const flaky: LogsApi = {
      describeLogGroups: async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
        return { groups: [] };
      },
      filterLogEvents: async () => {
        throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
      },
      putRetentionPolicy: async () => {
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      },
    };
    const api = withBackoff(flaky, { sleep: async (ms) => void waits.push(ms), baseMs: 100, attempts: 4 });
    expect(await api.describeLogGroups('us-east-1', 'g')).toEqual({ groups: [] });
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeLessThanOrEqual(200);
    await expect(api.filterLogEvents('us-east-1', { group: 'g', startTime: 0 })).rejects.toThrow('no');
    expect(waits).toHaveLength(2);
    await expect(api.putRetentionPolicy('us-east-1', 'g', 30)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(waits).toHaveLength(5);
  });

  it('takes --since in days too, as its help says', async () => {
    const { parseDuration } = await import('../../../cli/ops/verify.js');
    expect(parseDuration('2d', '--since')).toBe(2 * 86_400_000);
    expect(parseDuration('90m', '--since')).toBe(90 * 60_000);
    expect(() => parseDuration('2w', '--since')).toThrow(/--since 2w is not a duration/);
  });

  it('takes only the retentions CloudWatch Logs takes, and reads only our lines', () => {
    expect(parseRetention('30d')).toBe(30);
    expect(parseRetention('3653')).toBe(3653);
    expect(() => parseRetention('31d')).toThrow(/not a retention CloudWatch Logs takes/);
    expect(() => parseRetention('1w')).toThrow();
    expect(parseLogMessage(`2026-12-06T00:00:00.000Z\tabc\tINFO\t${line({ event: 'decision' })}`)?.event).toBe(
      'decision',
    );
    expect(parseLogMessage(JSON.stringify({ source: 'someone-else', event: 'x' }))).toBeUndefined();
    expect(parseLogMessage('{ broken')).toBeUndefined();
  });
});

describe("the edge's log line", () => {
  it('is, written by hand, the JSON JSON.stringify gives, whatever a request puts in it', async () => {
    const fc = await import('fast-check');
    const { formatLogLine } = await import('../../../handlers/edge-auth/runtime.js');
    fc.assert(
      fc.property(
        fc.record({
          time: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
          outcome: fc.constantFrom('allowed', 'refused', 'unavailable'),
          reason: fc.constantFrom('credential', 'wrong-credential', 'missing', 'bypass-path'),
          status: fc.option(fc.constantFrom(204, 401, 403, 503), { nil: undefined }),
          user: fc.option(fc.string({ unit: 'binary', maxLength: 70 }), { nil: undefined }),
          ip: fc.string({ unit: 'binary' }),
          method: fc.string({ unit: 'binary', maxLength: 8 }),
          path: fc.string({ unit: 'binary', maxLength: 80 }),
        }),
        (fields) => {
          const event = { event: 'decision' as const, ...fields };
          const expected = { level: 'info', source: 'basicauth-edge', ...JSON.parse(JSON.stringify(event)) };
          expect(JSON.parse(formatLogLine(event))).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
