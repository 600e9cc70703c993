// How `basicauth dev` shows a line a function logged: the structured JSON
// lines of our handlers as one short line each (`[label] step.done
// createSecret users=1`), cut to the terminal's width; anything else as it came.

const HIDDEN = new Set(['level', 'source', 'message', 'event', 'token', 'time', 'timestamp']);

export function formatFunctionLine(label: string, line: string, width: number | undefined): string {
  let text = line;
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const what =
        typeof parsed.message === 'string'
          ? parsed.message
          : typeof parsed.event === 'string'
            ? parsed.event
            : undefined;
      if (what) {
        const fields = Object.entries(parsed)
          .filter(
            ([key, value]) => !HIDDEN.has(key) && value !== null && value !== undefined && typeof value !== 'object',
          )
          .map(([key, value]) => (key === 'step' ? String(value) : `${key}=${String(value)}`));
        text = [parsed.level === 'warn' || parsed.level === 'error' ? `${String(parsed.level)}:` : '', what, ...fields]
          .filter(Boolean)
          .join(' ');
      }
    } catch {
      // not JSON after all: as it came
    }
  }
  const out = `[${label}] ${text}`;
  return width && width > 20 && out.length > width ? `${out.slice(0, width - 1)}…` : out;
}
