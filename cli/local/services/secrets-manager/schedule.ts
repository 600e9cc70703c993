// Rotation schedules: AutomaticallyAfterDays, rate(N unit) and the AWS cron
// subset that Secrets Manager accepts (six fields: minute hour day-of-month
// month day-of-week year, with * ? lists ranges and steps; L W # are refused).

import { invalidParameter } from '../../plugin.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface RotationRulesInput {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export function validateRules(rules: RotationRulesInput): void {
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw invalidParameter('You cannot specify both AutomaticallyAfterDays and ScheduleExpression.');
  }
  if (rules.AutomaticallyAfterDays !== undefined && (!Number.isInteger(rules.AutomaticallyAfterDays) || rules.AutomaticallyAfterDays < 1 || rules.AutomaticallyAfterDays > 1000)) {
    throw invalidParameter('AutomaticallyAfterDays must be between 1 and 1000.');
  }
  if (rules.ScheduleExpression !== undefined) nextFromExpression(rules.ScheduleExpression, Date.now());
  if (rules.Duration !== undefined && !/^([1-9]|1\d|2[0-4])h$/.test(rules.Duration)) {
    throw invalidParameter('Duration must be between 1h and 24h, such as 3h.');
  }
}

/** When the next rotation is due after one at `last` (epoch ms). */
export function nextRotation(rules: RotationRulesInput | undefined, last: number): number | undefined {
  if (!rules) return undefined;
  if (rules.ScheduleExpression) return nextFromExpression(rules.ScheduleExpression, last);
  if (rules.AutomaticallyAfterDays) return last + rules.AutomaticallyAfterDays * DAY;
  return undefined;
}

const UNITS: Record<string, number> = { hour: HOUR, hours: HOUR, day: DAY, days: DAY };

function nextFromExpression(expression: string, after: number): number {
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (rate) {
    const every = Number(rate[1]) * UNITS[rate[2] as string]!;
    if (every < 4 * HOUR) throw invalidParameter('The schedule expression must be at least 4 hours apart (rate(4 hours)).');
    if (every > 1000 * DAY) throw invalidParameter('The schedule expression must be at most 1000 days apart.');
    return after + every;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) throw invalidParameter(`Invalid ScheduleExpression ${expression}: use rate(N hours|days) or cron(minute hour day-of-month month day-of-week year).`);
  return nextCron(cron[1] as string, after, expression);
}

function field(text: string, min: number, max: number, expression: string): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw invalidParameter(`Invalid ScheduleExpression ${expression}: "${part}" is not supported here (L, W and # are not).`);
    const start = m[1] === '*' ? min : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined || m[1] === '*' ? max : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start < min || end > max || start > end || step < 1) throw invalidParameter(`Invalid ScheduleExpression ${expression}: "${part}" is out of range.`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

function nextCron(body: string, after: number, expression: string): number {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw invalidParameter(`Invalid ScheduleExpression ${expression}: cron needs six fields.`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  const f = {
    min: field(min, 0, 59, expression),
    hour: field(hour, 0, 23, expression),
    dom: field(dom, 1, 31, expression),
    month: field(month, 1, 12, expression),
    dow: field(dow, 1, 7, expression), // AWS: 1 = Sunday
    year: field(year, 1970, 2199, expression),
  };
  const t = new Date(after - (after % 60_000) + 60_000);
  const limit = after + 5 * 366 * DAY;
  while (t.getTime() < limit) {
    const ok =
      (!f.year || f.year.has(t.getUTCFullYear())) &&
      (!f.month || f.month.has(t.getUTCMonth() + 1)) &&
      (!f.dom || f.dom.has(t.getUTCDate())) &&
      (!f.dow || f.dow.has(t.getUTCDay() + 1)) &&
      (!f.hour || f.hour.has(t.getUTCHours())) &&
      (!f.min || f.min.has(t.getUTCMinutes()));
    if (ok) return t.getTime();
    // skip whole days or hours that cannot match, minute by minute otherwise
    if ((f.year && !f.year.has(t.getUTCFullYear())) || (f.month && !f.month.has(t.getUTCMonth() + 1)) || (f.dom && !f.dom.has(t.getUTCDate())) || (f.dow && !f.dow.has(t.getUTCDay() + 1))) {
      t.setUTCHours(24, 0, 0, 0);
    } else if (f.hour && !f.hour.has(t.getUTCHours())) {
      t.setUTCMinutes(60, 0, 0);
    } else {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    }
  }
  throw invalidParameter(`Invalid ScheduleExpression ${expression}: it never fires in the next five years.`);
}
