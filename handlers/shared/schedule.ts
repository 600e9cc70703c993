// Rotation schedules as Secrets Manager takes them (RotationRules), checked
// before anything is sent: a whole number of days from 1 to 1000,
// rate(N hours|days) at least 4 hours and at most 1000 days apart, or a
// six-field cron(...) expression. One rule for the config, `dev --rotate-every`
// and `rotate --days/--schedule`.

export type RotationRules = { AutomaticallyAfterDays: number } | { ScheduleExpression: string };

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "30" (days), "rate(12 hours)", "cron(0 4 ? * MON *)" → RotationRules, or a ScheduleError saying what is wrong. */
export function parseRotationSchedule(text: string): RotationRules {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const days = Number(value);
    if (days < 1 || days > 1000) throw new ScheduleError(`${value} days is out of range: rotate every 1 to 1000 days`);
    return { AutomaticallyAfterDays: days };
  }
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(value);
  if (rate) {
    const every = Number(rate[1]) * (rate[2]!.startsWith('hour') ? HOUR : DAY);
    if (every < 4 * HOUR) throw new ScheduleError(`${value} is too often: Secrets Manager rotates at most every 4 hours`);
    if (every > 1000 * DAY) throw new ScheduleError(`${value} is too rare: at most every 1000 days`);
    return { ScheduleExpression: value };
  }
  const cron = /^cron\((.+)\)$/.exec(value);
  if (cron) {
    if (cron[1]!.trim().split(/\s+/).length !== 6) throw new ScheduleError(`${value}: cron needs six fields (minute hour day-of-month month day-of-week year)`);
    return { ScheduleExpression: value };
  }
  throw new ScheduleError(`"${text}" is not a schedule: use a number of days (30), rate(N hours|days) or cron(...)`);
}

/** How a schedule reads in one line: "every 30 days", "rate(12 hours)"; undefined without one. */
export function describeRotationRules(rules: { AutomaticallyAfterDays?: number | undefined; ScheduleExpression?: string | undefined } | undefined): string | undefined {
  return rules?.ScheduleExpression ?? (rules?.AutomaticallyAfterDays ? `every ${rules.AutomaticallyAfterDays} days` : undefined);
}
