// Terraform alone against `basicauth dev`: the synthesized cdktf.out applied,
// planned and destroyed by the terraform binary with nothing but an endpoints
// override written by hand (no basicauth code in the loop). The second plan
// is clean: the local cloud reads back exactly what the provider wrote.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProject, type LocalProject } from '../helpers/local-project.js';
import { runCli, runProcess } from '../helpers/run-cli.js';
import { terraformOrWhy } from '../helpers/terraform.js';
import { missing } from '../helpers/tools.js';

const { terraform, why } = terraformOrWhy();

let project: LocalProject;
let stackDir: string;
const tf = (...args: string[]) =>
  runProcess('terraform', args, {
    cwd: stackDir,
    env: { ...process.env, ...project.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
  });

beforeAll(async () => {
  if (!terraform) return;
  project = await startProject('plain', {
    region: 'us-east-1',
    distribution: {
      mode: 'create',
      origin: { type: 'custom', domainName: 'app.example.com' },
      pathPatterns: ['/api/*'],
    },
  });
  const synth = await runCli(['synth'], { cwd: project.dir });
  expect(synth.code, synth.stderr).toBe(0);
  stackDir = join(project.dir, 'cdktf.out/stacks/basicauth');
  const endpoint = project.dev.info.endpoint;
  const endpoints = [
    { cloudfront: endpoint, iam: endpoint, lambda: endpoint, logs: endpoint, secretsmanager: endpoint, sts: endpoint },
  ];
  const provider = { access_key: 'AKIDANYTHING', secret_key: 'anything', skip_metadata_api_check: true, endpoints };
  await writeFile(
    join(stackDir, 'zz_hand_written_override.tf.json'),
    JSON.stringify({
      terraform: { backend: { local: { path: join(project.dir, 'plain.tfstate') } } },
      provider: { aws: [{ region: 'us-east-1', ...provider }] },
    }),
  );
});
afterAll(() => project?.stop());

describe.skipIf(missing('terraform', terraform, why))(
  'terraform apply, plan and destroy of cdktf.out against basicauth dev',
  () => {
    it('applies, plans clean twice, and destroys', {
      timeout: 900_000,
    } /* a budget for a loaded machine, not a timing rule */, async () => {
      const init = await tf('init', '-input=false', '-no-color');
      expect(init.code, init.stderr).toBe(0);
      const apply = await tf('apply', '-auto-approve', '-input=false', '-no-color');
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.stdout).toMatch(/Apply complete! Resources: 14 added, 0 changed, 0 destroyed\./);
      const plan = await tf('plan', '-input=false', '-no-color', '-detailed-exitcode');
      expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0); // 0: no changes at all
      const state = project.cloudState().services;
      // Terraform enables rotation without rotating (rotate_immediately false: an apply never replaces passwords);
      // the first password is deploy's to make (or `basicauth rotate --now`'s), so none exists yet
      const secret = state.secretsmanager.secrets.find((s: { name: string }) => s.name === 'basicauth/plain');
      expect(secret.rotationEnabled).toBe(true);
      expect(secret.versions.some((v: { stages: string[] }) => v.stages.includes('AWSCURRENT'))).toBe(false);
      const destroy = await tf('destroy', '-auto-approve', '-input=false', '-no-color');
      expect(destroy.code, destroy.stderr).toBe(0);
      expect(destroy.stdout).toMatch(/Destroy complete! Resources: 14 destroyed\./);
    });
  },
);
