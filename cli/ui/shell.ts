// Text printed for pasting into a shell: quoted when it has to be, so the
// printed command works as printed (a state directory with a space, say).

/** Always single-quoted (values in `--format env`). */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** As is when it is safe in a POSIX shell, single-quoted otherwise. */
export const shellArg = (s: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : shellQuote(s));
