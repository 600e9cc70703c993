// `deploy` and `destroy`: bundle, synth, terraform init/plan/apply with a
// confirmation, record the outputs. CDKTF itself is only touched by synth.

import { relative } from 'node:path';
import { CliError } from '../errors.js';
import { step, type Emit } from '../events.js';
import type { Config } from '../config.js';
import { clearOutputs, fromTerraform, writeOutputs, type DeployOutputs } from '../outputs.js';
import { runTerraform, terraformFailure, type PlannedChange, type TerraformBinary, type TerraformRun } from '../terraform.js';

export interface DeployInput {
  config: Config;
  terraform: TerraformBinary;
  outdir: string;
  env: NodeJS.ProcessEnv;
  /** asked before anything changes; resolves true to go on */
  confirm: (plan: PlanSummary) => Promise<boolean>;
  /** attach mode: associates the function version with the existing distribution */
  attach?: (outputs: DeployOutputs) => Promise<void>;
}

export interface PlanSummary {
  add: number;
  change: number;
  remove: number;
  changes: PlannedChange[];
}

export interface DeployResult {
  status: 'applied' | 'no-changes' | 'cancelled';
  plan: PlanSummary;
  outputs: DeployOutputs | undefined;
  synthMs: number;
}

function ensure(run: TerraformRun, what: string, hint: string): TerraformRun {
  if (run.code !== 0) throw terraformFailure(what, run, hint);
  return run;
}

export async function deploy(input: DeployInput, emit: Emit): Promise<DeployResult> {
  const { synthesize } = await import('../../stacks/synth.js');
  const started = performance.now();
  const synth = await step(emit, 'synth', 'bundle and synthesize', () => synthesize(input.config, input.outdir), (s) => `${s.resources.length} resources in ${relative('.', s.file)}`);
  const synthMs = performance.now() - started;
  const tf = (args: string[]) => runTerraform(input.terraform, args, { cwd: synth.stackDir, env: input.env, emit });
  await step(emit, 'init', `${input.terraform.name} init`, async () =>
    ensure(await tf(['init', '-input=false', '-no-color']), `${input.terraform.name} init`, 'check the backend settings in basicauth.config.json and your AWS credentials'),
  );
  const planned = await step(emit, 'plan', `${input.terraform.name} plan`, async () =>
    ensure(await tf(['plan', '-input=false', '-json', '-out=tfplan']), `${input.terraform.name} plan`, 'fix the problem above; nothing was changed'),
  );
  const plan: PlanSummary = { ...(planned.summary ?? { add: 0, change: 0, remove: 0 }), changes: planned.planned };
  if (plan.add + plan.change + plan.remove === 0) {
    const outputs = await recordOutputs(input, tf);
    if (outputs && input.attach) await input.attach(outputs);
    return { status: 'no-changes', plan, outputs, synthMs };
  }
  if (!(await input.confirm(plan))) return { status: 'cancelled', plan, outputs: undefined, synthMs };
  const applied = await tf(['apply', '-input=false', '-json', 'tfplan']);
  if (applied.code !== 0) {
    throw terraformFailure(`${input.terraform.name} apply`, applied, 'fix the cause and run `basicauth deploy` again: terraform resumes from what was created');
  }
  const outputs = await recordOutputs(input, tf);
  if (outputs && input.attach) await step(emit, 'attach', `attach the edge function to ${outputs.distributionId}`, () => input.attach!(outputs));
  return { status: 'applied', plan, outputs, synthMs };
}

async function recordOutputs(input: DeployInput, tf: (args: string[]) => Promise<TerraformRun>): Promise<DeployOutputs | undefined> {
  const out = await tf(['output', '-json', '-no-color']);
  if (out.code !== 0) return undefined;
  // `terraform output -json` prints one JSON object, not a UI stream.
  const text = out.stdout;
  let values: Record<string, { value: unknown }>;
  try {
    values = JSON.parse(text) as Record<string, { value: unknown }>;
  } catch {
    return undefined;
  }
  if (!values.secret_arn) return undefined;
  const outputs = fromTerraform(input.config.name, input.config.region, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value])));
  await writeOutputs(outputs);
  return outputs;
}

export interface DestroyInput extends Omit<DeployInput, 'attach'> {
  detach?: () => Promise<void>;
}

export interface DestroyResult {
  status: 'destroyed' | 'cancelled' | 'function-retained';
  plan: PlanSummary;
  retained: string[];
}

// Lambda@Edge: a function with replicas cannot be deleted for hours after the
// last distribution lets go of it.
const REPLICATED = /replicated function|unable to delete .* replica/i;

export async function destroy(input: DestroyInput, emit: Emit): Promise<DestroyResult> {
  const { synthesize } = await import('../../stacks/synth.js');
  const synth = await step(emit, 'synth', 'bundle and synthesize', () => synthesize(input.config, input.outdir));
  const tf = (args: string[]) => runTerraform(input.terraform, args, { cwd: synth.stackDir, env: input.env, emit });
  await step(emit, 'init', `${input.terraform.name} init`, async () => ensure(await tf(['init', '-input=false', '-no-color']), `${input.terraform.name} init`, 'check the backend settings'));
  const planned = await step(emit, 'plan', `${input.terraform.name} plan -destroy`, async () =>
    ensure(await tf(['plan', '-destroy', '-input=false', '-json', '-out=tfplan']), `${input.terraform.name} plan -destroy`, 'nothing was changed'),
  );
  const plan: PlanSummary = { ...(planned.summary ?? { add: 0, change: 0, remove: 0 }), changes: planned.planned };
  if (!(await input.confirm(plan))) return { status: 'cancelled', plan, retained: [] };
  if (input.detach) await step(emit, 'detach', 'detach the edge function from the distribution', input.detach);
  const applied = await tf(['apply', '-input=false', '-json', 'tfplan']);
  if (applied.code === 0) {
    await clearOutputs();
    return { status: 'destroyed', plan, retained: [] };
  }
  const errors = applied.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 && errors.every((d) => REPLICATED.test(`${d.summary} ${d.detail}`))) {
    const retained = errors.map((d) => d.address ?? 'the edge function');
    emit({ type: 'log', level: 'warn', message: `kept ${retained.join(', ')}: CloudFront still holds replicas of it` });
    return { status: 'function-retained', plan, retained };
  }
  throw terraformFailure(`${input.terraform.name} destroy`, applied, 'fix the cause and run `basicauth destroy` again: it continues with what is left');
}
