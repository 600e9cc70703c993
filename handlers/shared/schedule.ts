// Rotation schedules as Secrets Manager takes them (RotationRulesType), checked
// before anything is sent: a whole number of days from 1 to 1000,
// rate(N hours|days) or a six-field cron(...) expression, rotations at least
// 4 hours and at most 1000 days apart; and a rotation window (Duration, 1h to
// 24h) that, as AWS documents it, "must not extend into the next rotation
// window or the next UTC day". One rule for the config, `init`,
// `dev --rotate-every`, `rotate --days/--schedule` and the local Secrets Manager.

export type RotationRules = { AutomaticallyAfterDays: number } | { ScheduleExpression: string };

export interface RotationRulesInput {
  AutomaticallyAfterDays?: number | undefined;
  ScheduleExpression?: string | undefined;
  Duration?: string | undefined;
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN_APART = 4 * HOUR;

/** "30" (days), "rate(12 hours)", "cron(0 4 ? * MON *)" → RotationRules, or a ScheduleError saying what is wrong. */
export function parseRotationSchedule(text: string): RotationRules {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const rules = { AutomaticallyAfterDays: Number(value) };
    checkRotationRules(rules);
    return rules;
  }
  if (/^(rate|cron)\(/.test(value)) {
    checkRotationRules({ ScheduleExpression: value });
    return { ScheduleExpression: value };
  }
  throw new ScheduleError(`"${text}" is not a schedule: use a number of days (30), rate(N hours|days) or cron(...)`);
}

/** Checks rules as RotateSecret does; a ScheduleError names what is wrong. */
export function checkRotationRules(rules: RotationRulesInput): void {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rules;
  if (days !== undefined && expression !== undefined)
    throw new ScheduleError('set a number of days or a schedule expression, not both');
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000))
    throw new ScheduleError(`${days} days is out of range: rotate every 1 to 1000 days`);
  const windowMs = duration === undefined ? undefined : parseWindow(duration);
  if (expression === undefined) return;
  const rate = rateOf(expression);
  if (rate !== undefined) {
    if (windowMs !== undefined && rate < DAY && windowMs > rate) {
      throw new ScheduleError(
        `a ${duration} rotation window runs into the next one: ${expression} starts one every ${rate / HOUR} hours; use a window of at most ${rate / HOUR}h`,
      );
    }
    return;
  }
  const cron = cronOf(expression);
  // every start in a year (and a day into the next), apart enough, each window inside its UTC day and before the next start
  let previous: number | undefined;
  const from = Date.UTC(2030, 0, 1); // a year with a Monday start, none of it special
  for (let at = cron.next(from - 1), fires = 0; at < from + 367 * DAY && fires < 3000; at = cron.next(at), fires++) {
    if (previous !== undefined && at - previous < MIN_APART) {
      throw new ScheduleError(
        `${expression} starts rotations ${describeGap(at - previous)} apart: Secrets Manager rotates at most every 4 hours`,
      );
    }
    if (previous !== undefined && windowMs !== undefined && previous + windowMs > at) {
      throw new ScheduleError(
        `a ${duration} rotation window runs into the next one: ${expression} starts another ${describeGap(at - previous)} later`,
      );
    }
    if (windowMs !== undefined && (at % DAY) + windowMs > DAY) {
      const start = new Date(at).toISOString().slice(11, 16);
      throw new ScheduleError(
        `a ${duration} rotation window from ${start} UTC runs into the next UTC day: start earlier or shorten the window`,
      );
    }
    previous = at;
  }
}

/** When the next rotation is due after one at `last` (epoch ms). */
export function nextScheduledRotation(rules: RotationRulesInput | undefined, last: number): number | undefined {
  if (!rules) return undefined;
  if (rules.ScheduleExpression) {
    const rate = rateOf(rules.ScheduleExpression);
    return rate !== undefined ? last + rate : cronOf(rules.ScheduleExpression).next(last);
  }
  if (rules.AutomaticallyAfterDays) return last + rules.AutomaticallyAfterDays * DAY;
  return undefined;
}

/** How a schedule reads in one line: "every 30 days", "rate(12 hours)"; undefined without one. */
export function describeRotationRules(
  rules: { AutomaticallyAfterDays?: number | undefined; ScheduleExpression?: string | undefined } | undefined,
): string | undefined {
  return (
    rules?.ScheduleExpression ??
    (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined)
  );
}

function parseWindow(duration: string): number {
  const m = /^([1-9]|1\d|2[0-4])h$/.exec(duration);
  if (!m) throw new ScheduleError(`rotation window ${duration} must be from 1h to 24h, such as 3h`);
  return Number(m[1]) * HOUR;
}

const describeGap = (ms: number) => (ms % HOUR === 0 ? `${ms / HOUR} hours` : `${ms / 60_000} minutes`);

/** The interval of a rate() expression in ms; undefined for anything else. */
function rateOf(expression: string): number | undefined {
  if (!expression.startsWith('rate(')) return undefined;
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (!rate) throw new ScheduleError(`${expression}: use rate(N hours) or rate(N days)`);
  const every = Number(rate[1]) * (rate[2]?.startsWith('hour') ? HOUR : DAY);
  if (every < MIN_APART)
    throw new ScheduleError(`${expression} is too often: Secrets Manager rotates at most every 4 hours`);
  if (every > 1000 * DAY) throw new ScheduleError(`${expression} is too rare: at most every 1000 days`);
  return every;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function cronField(
  text: string,
  min: number,
  max: number,
  expression: string,
  names: string[] = [],
): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  text = text.replace(/[A-Za-z]{3}/g, (name) => {
    const at = names.indexOf(name.toUpperCase());
    return at < 0 ? name : String(at + min);
  });
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw new ScheduleError(`${expression}: "${part}" is not supported here (L, W and # are not)`);
    const start = m[1] === '*' ? min : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined || m[1] === '*' ? max : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start < min || end > max || start > end || step < 1)
      throw new ScheduleError(`${expression}: "${part}" is out of range`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

/** AWS's six-field cron (minute hour day-of-month month day-of-week year; day-of-week 1 = Sunday), in UTC. */
function cronOf(expression: string): { next(after: number): number } {
  const body = /^cron\((.+)\)$/.exec(expression)?.[1];
  if (!body)
    throw new ScheduleError(
      `${expression} is not a schedule: use rate(N hours|days) or cron(minute hour day-of-month month day-of-week year)`,
    );
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleError(`${expression}: cron needs six fields (minute hour day-of-month month day-of-week year)`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  const f = {
    min: cronField(min, 0, 59, expression),
    hour: cronField(hour, 0, 23, expression),
    dom: cronField(dom, 1, 31, expression),
    month: cronField(month, 1, 12, expression, MONTHS),
    dow: cronField(dow, 1, 7, expression, WEEKDAYS),
    year: cronField(year, 1970, 2199, expression),
  };
  const dayMisses = (t: Date) =>
    (f.year && !f.year.has(t.getUTCFullYear())) ||
    (f.month && !f.month.has(t.getUTCMonth() + 1)) ||
    (f.dom && !f.dom.has(t.getUTCDate())) ||
    (f.dow && !f.dow.has(t.getUTCDay() + 1));
  const next = (after: number): number => {
    const t = new Date(after - (after % 60_000) + 60_000);
    const limit = after + 5 * 366 * DAY;
    while (t.getTime() < limit) {
      // skip whole days or hours that cannot match, minute by minute otherwise
      if (dayMisses(t)) t.setUTCHours(24, 0, 0, 0);
      else if (f.hour && !f.hour.has(t.getUTCHours())) t.setUTCMinutes(60, 0, 0);
      else if (f.min && !f.min.has(t.getUTCMinutes())) t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      else return t.getTime();
    }
    throw new ScheduleError(`${expression} never fires in the next five years`);
  };
  next(Date.UTC(2030, 0, 1)); // refuse a schedule that never fires
  return { next };
}
