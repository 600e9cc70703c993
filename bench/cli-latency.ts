// CLI latency, whole processes, interleaved rounds: `basicauth --help` against
// a bare `node -e 0`, and the commands that read the local cloud
// (`show-creds`, `verify`, `status`, all `--local`) against the AWS CLI v2
// reading the same secret from the same endpoint (`get-secret-value`). The
// AWS CLI is found by its explicit path, and its version is reported: a v1
// shim earlier on PATH would be another program.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../stacks/bundle.js';
import { startDevProcess } from '../test/helpers/dev-process.js';
import { interleaved, load, run, spread, type Spread } from './lib.js';

export const AWS_CLI_V2 = '/usr/bin/aws';

export interface CliLatencyFigures {
  rows: Array<{ command: string; ms: Spread }>;
  /** e.g. "aws-cli/2.9.19 Python/3.11.2", or why it is missing */
  awsCli: string | undefined;
  rounds: number;
  load: string;
}

async function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const start = performance.now();
  const out = await run(command, args, env);
  if (out.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${out.code}: ${out.stderr}`);
  return performance.now() - start;
}

export async function cliLatency(rounds = 11): Promise<CliLatencyFigures> {
  const bin = join(PACKAGE_ROOT, 'bin/basicauth.js');
  const node = process.execPath;
  const dir = await mkdtemp(join(tmpdir(), 'basicauth-cli-bench-'));
  const dev = await startDevProcess(join(dir, 'state'), [], { cwd: dir });
  try {
    const state = ['--local', '--state-dir', join(dir, 'state')];
    const awsEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    let awsCli: string | undefined;
    if (existsSync(AWS_CLI_V2)) {
      const version = await run(AWS_CLI_V2, ['--version']);
      awsCli = version.stdout.trim().split(' ').slice(0, 2).join(' ');
      if (!awsCli.startsWith('aws-cli/2.')) awsCli = undefined;
    }
    const variants: Record<string, () => Promise<number>> = {
      'node -e 0': () => timeProcess(node, ['-e', '0']),
      'basicauth --help': () => timeProcess(node, [bin, '--help']),
      'basicauth show-creds --local': () => timeProcess(node, [bin, 'show-creds', ...state, '--format', 'json']),
      'basicauth verify --local': () => timeProcess(node, [bin, 'verify', ...state]),
      'basicauth status --local': () => timeProcess(node, [bin, 'status', ...state]),
      ...(awsCli
        ? {
            'aws secretsmanager get-secret-value (AWS CLI v2, same endpoint)': () =>
              timeProcess(
                AWS_CLI_V2,
                [
                  '--endpoint-url',
                  dev.info.endpoint,
                  'secretsmanager',
                  'get-secret-value',
                  '--secret-id',
                  'basicauth/dev',
                  '--output',
                  'json',
                ],
                awsEnv,
              ),
          }
        : {}),
    };
    const before = load();
    const samples = await interleaved(rounds, variants);
    return {
      rows: Object.entries(samples).map(([command, values]) => ({ command, ms: spread(values) })),
      awsCli: awsCli ?? `no AWS CLI v2 at ${AWS_CLI_V2}`,
      rounds,
      load: `${before} before, ${load()} after`,
    };
  } finally {
    dev.child.kill('SIGKILL');
    await dev.exited;
    await rm(dir, { recursive: true, force: true });
  }
}
