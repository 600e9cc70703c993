// CLI start-up: `basicauth --help` against a bare `node -e 0` measured in the
// same run, median of fresh processes.

import { join } from 'node:path';
import { PACKAGE_ROOT } from '../stacks/bundle.js';
import { median, run } from './lib.js';

export interface CliLatencyFigures {
  command: string;
  medianMs: number;
  bareNodeMs: number;
}

async function timeProcess(args: string[]): Promise<number> {
  const start = performance.now();
  const out = await run(process.execPath, args);
  if (out.code !== 0) throw new Error(`${args.join(' ')} exited ${out.code}: ${out.stderr}`);
  return performance.now() - start;
}

export async function cliLatency(runs = 15): Promise<CliLatencyFigures[]> {
  const bin = join(PACKAGE_ROOT, 'bin/basicauth.js');
  const commands: Array<[string, string[]]> = [['basicauth --help', [bin, '--help']], ['basicauth build --help', [bin, 'build', '--help']]];
  const bare: number[] = [];
  const samples = new Map<string, number[]>(commands.map(([name]) => [name, []]));
  for (let i = 0; i < runs + 1; i++) {
    const b = await timeProcess(['-e', '0']);
    if (i > 0) bare.push(b);
    for (const [name, args] of commands) {
      const t = await timeProcess(args);
      if (i > 0) samples.get(name)!.push(t);
    }
  }
  return commands.map(([name]) => ({ command: name, medianMs: median(samples.get(name)!), bareNodeMs: median(bare) }));
}
