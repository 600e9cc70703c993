// Like git and wrangler, basicauth works from any directory inside a project:
// the project root is the nearest directory up with basicauth.config.json or
// a .basicauth/ directory (what `deploy`, `dev` and `npm start` leave), not
// past a repository's root, the home directory or the temporary directory. Commands then run from there, so the config, the
// recorded outputs and `--local`'s default state directory are found, while
// the paths a user types stay relative to where they typed them.

import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const PROJECT_MARKERS = ['basicauth.config.json', '.basicauth'] as const;

/** Options whose value is a path the user typed (relative to their directory). */
const PATH_OPTIONS = new Set(['--config', '--out', '--state-dir', '--edge-config', '--junit']);

/** Never a project root, and never walked past: the home directory, the temporary directory, the filesystem root. */
const BOUNDARIES = [homedir(), tmpdir()].map((d) => resolve(d));

export function findProjectRoot(from: string, boundaries: readonly string[] = BOUNDARIES): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (boundaries.includes(dir) || dirname(dir) === dir) return undefined;
    if (PROJECT_MARKERS.some((marker) => existsSync(join(dir, marker)))) return dir;
    if (existsSync(join(dir, '.git'))) return undefined;
  }
}

/** `argv` with every path-valued option made absolute against `cwd`. */
export function absolutePathOptions(argv: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && PATH_OPTIONS.has(arg.slice(0, eq))) {
      const value = arg.slice(eq + 1);
      out.push(`${arg.slice(0, eq)}=${isAbsolute(value) || value === '' ? value : resolve(cwd, value)}`);
    } else if (PATH_OPTIONS.has(arg) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      const value = argv[++i]!;
      out.push(arg, isAbsolute(value) ? value : resolve(cwd, value));
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Moves the process to the project root when it runs in a subdirectory of one
 * (`init` excepted: it starts a project where it is run). Returns the argv to
 * parse and the root it moved to, if it did.
 */
export function enterProjectRoot(
  argv: readonly string[],
  cwd = process.cwd(),
): { argv: string[]; movedTo: string | undefined } {
  const root = argv[0] === 'init' ? undefined : findProjectRoot(cwd);
  if (!root || root === resolve(cwd)) return { argv: [...argv], movedTo: undefined };
  const absolute = absolutePathOptions(argv, cwd);
  process.chdir(root);
  return { argv: absolute, movedTo: root };
}
