// One way to print a moment, everywhere people read one: "2026-11-29 17:08 UTC
// (3 days ago)". Machines get ISO 8601 in --json.

/** "3 days ago", "in 5 h", "now". */
export function relativeTo(iso: string, now: number): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  const abs = Math.abs(minutes);
  const text =
    abs < 1
      ? 'now'
      : abs < 90
        ? `${abs} min`
        : abs < 48 * 60
          ? `${Math.round(abs / 60)} h`
          : `${Math.round(abs / 1440)} days`;
  return text === 'now' ? text : minutes < 0 ? `${text} ago` : `in ${text}`;
}

/** "2026-11-29 17:08 UTC (3 days ago)", or `missing` when there is no date. */
export function formatWhen(iso: string | undefined, now = Date.now(), missing = '—'): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return missing;
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC (${relativeTo(iso, now)})`;
}
