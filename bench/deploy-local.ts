// deploy --local and destroy --local: the real terraform and AWS provider
// against `basicauth dev`, timed end to end as a user runs them (create mode,
// home region ap-northeast-1 with the us-east-1 alias). Each step's wall time
// and the CPU it took (terraform and its provider are CPU-heavy), per round.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevProcess } from '../test/helpers/dev-process.js';
import { runCli, runProcess } from '../test/helpers/run-cli.js';
import { mirrorCliConfig, terraformOrWhy } from '../test/helpers/terraform.js';
import { median } from './lib.js';

export interface DeployStep {
  step: string;
  wallMs: number[];
  /** what part of the wall time is the provider's fixed sleeps (CloudFront waits), known from its source */
  note: string;
}

export type DeployFigures =
  | { ok: true; steps: DeployStep[]; rounds: number; terraform: string }
  | { ok: false; reason: string };

export async function deployLocal(rounds = Number(process.env.BENCH_DEPLOY_ROUNDS ?? 2)): Promise<DeployFigures> {
  const { terraform, why } = terraformOrWhy();
  if (!terraform) return { ok: false, reason: why };
  const version = (
    JSON.parse((await runProcess(terraform.path, ['version', '-json'])).stdout) as {
      terraform_version: string;
      provider_selections?: Record<string, string>;
    }
  ).terraform_version;
  const steps: DeployStep[] = [
    {
      step: 'deploy --local --yes (13 resources, first time)',
      wallMs: [],
      note: 'two functions wait 5 s for Active (provider delay)',
    },
    { step: 'deploy --local --yes (no changes)', wallMs: [], note: '' },
    {
      step: 'destroy --local --yes',
      wallMs: [],
      note: 'the distribution: 30 s + 15 s of provider delays (disable, delete)',
    },
    { step: 'deploy --local --yes (after destroy: restore + import)', wallMs: [], note: 'as the first deploy' },
  ];
  for (let round = 0; round < rounds; round++) {
    const dir = await mkdtemp(join(tmpdir(), 'basicauth-deploy-bench-'));
    await writeFile(
      join(dir, 'basicauth.config.json'),
      JSON.stringify({
        name: 'bench',
        region: 'ap-northeast-1',
        distribution: {
          mode: 'create',
          origin: { type: 'custom', domainName: 'localhost', protocol: 'http-only', httpPort: 9 },
        },
      }),
    );
    const env = { TF_CLI_CONFIG_FILE: await mirrorCliConfig(dir) };
    const dev = await startDevProcess(join(dir, '.basicauth/local'), ['--deploy-seconds', '2'], { cwd: dir });
    try {
      for (const [i, args] of [['deploy'], ['deploy'], ['destroy'], ['deploy']].entries()) {
        const started = performance.now();
        const r = await runCli([...args, '--local', '--yes'], { cwd: dir, env });
        if (r.code !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`);
        steps[i]!.wallMs.push(performance.now() - started);
      }
    } finally {
      dev.child.kill('SIGINT');
      await dev.exited;
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { ok: true, steps, rounds, terraform: `${terraform.name} ${version}, hashicorp/aws 5.100.0 (mirror)` };
}

export const medianSeconds = (values: number[]) => `${(median(values) / 1000).toFixed(1)} s`;
export const rangeSeconds = (values: number[]) =>
  `${(Math.min(...values) / 1000).toFixed(1)}–${(Math.max(...values) / 1000).toFixed(1)} s`;
