import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.js';
import { createProgram } from '../../cli/main.js';

const io = () => ({ stdout: new PassThrough(), stderr: new PassThrough(), env: {} });
const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];

describe('the command registry', () => {
  it('is what the program runs: every registered name, and nothing else', () => {
    const { program } = createProgram(io());
    expect(program.commands.map((c) => c.name()).sort()).toEqual(COMMANDS.flatMap((c) => c.names).sort());
  });

  it('no command option shadows a global one (attach --version once printed the version)', () => {
    const { program } = createProgram(io());
    const global = new Set(program.options.flatMap((o) => [o.short, o.long].filter(Boolean) as string[]));
    expect(global).toEqual(new Set(['-v', '--version', '--no-color']));
    for (const command of all(program).slice(1)) {
      for (const option of command.options) {
        for (const flag of [option.short, option.long].filter(Boolean) as string[])
          expect(global.has(flag), `${command.name()} ${flag}`).toBe(false);
      }
    }
  });
});
