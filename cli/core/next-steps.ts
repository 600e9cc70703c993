// The commands basicauth prints as next steps and fixes work when pasted: they
// carry the flags this run needed to reach its stack (--local, --state-dir,
// --config, --profile, --region). main.ts records them once per run, from the
// options the command was given; every hint that names a command goes through again().

export interface Aim {
  local?: boolean;
  stateDir?: string;
  config?: string;
  profile?: string;
  region?: string;
}

import { shellArg } from '../ui/shell.js';

const DEFAULT_CONFIG = 'basicauth.config.json';
let aim: Aim = {};
/** The long options each command takes ("users add" -> {--local, …}), from the program main.ts built. */
let optionsOf: (command: string) => ReadonlySet<string> | undefined = () => undefined;

export function knowCommands(lookup: typeof optionsOf): void {
  optionsOf = lookup;
}

/** Called by main.ts before the action runs, with the options commander parsed. */
export function aimFrom(options: Record<string, unknown>): void {
  const text = (key: string) =>
    typeof options[key] === 'string' && options[key] !== '' ? (options[key] as string) : undefined;
  const config = text('config');
  aim = {
    ...(options.local === true || text('stateDir') ? { local: true } : {}),
    ...(text('stateDir') ? { stateDir: text('stateDir') } : {}),
    ...(config && config !== DEFAULT_CONFIG ? { config } : {}),
    ...(text('profile') ? { profile: text('profile') } : {}),
    ...(text('region') ? { region: text('region') } : {}),
  };
}

/** The flags this run was aimed with. */
export function currentAim(): Readonly<Aim> {
  return aim;
}

/** The flags of this run's aim that `command` takes, as a command line suffix (" --local --state-dir x"), shell-quoted. */
export function aimFlags(command: string): string {
  const words = command.split(' ').filter((w) => /^[a-z][\w-]*$/.test(w));
  // the longest command path the program knows: "users add NAME" -> "users add"
  let takes: ReadonlySet<string> | undefined;
  for (let n = words.length; n > 0 && !takes; n--) takes = optionsOf(words.slice(0, n).join(' '));
  const parts: string[] = [];
  const add = (flag: string, value?: string) => {
    if (takes && !takes.has(flag)) return;
    if (command.split(' ').includes(flag)) return;
    parts.push(flag, ...(value === undefined ? [] : [shellArg(value)]));
  };
  if (aim.local) add('--local');
  if (aim.stateDir) add('--state-dir', aim.stateDir);
  if (aim.config) add('--config', aim.config);
  if (aim.profile) add('--profile', aim.profile);
  if (aim.region) add('--region', aim.region);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** `basicauth <command>` with this run's aim: `again('rotate --now --recover')`. */
export function again(command: string): string {
  return `basicauth ${command}${aimFlags(command)}`;
}
