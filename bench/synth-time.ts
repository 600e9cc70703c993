// synth: the CLI end to end in an empty directory (init, then synth), and the
// synthesis alone in-process. Medians.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../cli/project/config.js';
import { PACKAGE_ROOT } from '../stacks/bundle.js';
import { synthesize } from '../stacks/synth.js';
import { median, run } from './lib.js';

export interface SynthFigures {
  cliMs: number;
  inProcessMs: number;
  resources: number;
}

export async function synthTime(runs = 7): Promise<SynthFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'basicauth-synth-bench-'));
  const bin = join(PACKAGE_ROOT, 'bin/basicauth.js');
  try {
    const init = await run(process.execPath, [
      bin,
      'init',
      '--yes',
      '--name',
      'bench',
      '--region',
      'eu-west-1',
      '--origin',
      'app.example.com',
      '--config',
      join(dir, 'basicauth.config.json'),
    ]);
    if (init.code !== 0) throw new Error(init.stderr);
    const cli: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const start = performance.now();
      const out = await run(process.execPath, [
        bin,
        'synth',
        '--config',
        join(dir, 'basicauth.config.json'),
        '--out',
        join(dir, 'cdktf.out'),
      ]);
      if (out.code !== 0) throw new Error(out.stderr);
      if (i > 0) cli.push(performance.now() - start);
    }
    const config = parseConfig({
      name: 'bench',
      region: 'eu-west-1',
      distribution: { mode: 'create', origin: { type: 'custom', domainName: 'app.example.com' } },
    });
    const inProcess: number[] = [];
    let resources = 0;
    for (let i = 0; i <= runs; i++) {
      const start = performance.now();
      resources = (await synthesize(config, join(dir, `in-process-${i}`))).resources.length;
      if (i > 0) inProcess.push(performance.now() - start);
    }
    return { cliMs: median(cli), inProcessMs: median(inProcess), resources };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
