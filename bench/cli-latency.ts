// CLI latency: `basicauth --help` against a bare `node -e 0`, and a secret
// read through `basicauth show-creds --local` against the same read through
// the AWS CLI (where one is installed), both against one `basicauth dev`.
// Medians of fresh processes, measured in the same run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../stacks/bundle.js';
import { startDevProcess } from '../test/helpers/dev-process.js';
import { median, run } from './lib.js';

export interface CliLatencyFigures {
  command: string;
  medianMs: number;
  baseline: string;
  baselineMs: number;
}

async function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const start = performance.now();
  const out = await run(command, args, env);
  if (out.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${out.code}: ${out.stderr}`);
  return performance.now() - start;
}

async function medianOf(runs: number, make: () => Promise<number>): Promise<number> {
  await make(); // warm the file cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await make());
  return median(samples);
}

export async function cliLatency(runs = 15): Promise<CliLatencyFigures[]> {
  const bin = join(PACKAGE_ROOT, 'bin/basicauth.js');
  const node = process.execPath;
  const bare = await medianOf(runs, () => timeProcess(node, ['-e', '0']));
  const help = await medianOf(runs, () => timeProcess(node, [bin, '--help']));
  const figures: CliLatencyFigures[] = [{ command: 'basicauth --help', medianMs: help, baseline: 'node -e 0', baselineMs: bare }];

  const dir = await mkdtemp(join(tmpdir(), 'basicauth-cli-bench-'));
  const dev = await startDevProcess(join(dir, 'state'), [], { cwd: dir });
  try {
    const showCreds = await medianOf(runs, () => timeProcess(node, [bin, 'show-creds', '--local', '--state-dir', join(dir, 'state'), '--format', 'json']));
    const aws = (await run('sh', ['-c', 'command -v aws'])).code === 0;
    const env = { ...process.env, AWS_ENDPOINT_URL: dev.info.endpoint, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_DEFAULT_REGION: 'us-east-1' };
    const awsCli = aws ? await medianOf(runs, () => timeProcess('aws', ['secretsmanager', 'get-secret-value', '--secret-id', 'basicauth/dev', '--output', 'json'], env)) : NaN;
    figures.push({ command: 'basicauth show-creds --local', medianMs: showCreds, baseline: aws ? 'aws secretsmanager get-secret-value (same endpoint)' : 'AWS CLI not installed', baselineMs: awsCli });
  } finally {
    dev.child.kill('SIGKILL');
    await dev.exited;
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
