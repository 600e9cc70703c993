// `deploy` and `destroy`: bundle, synth, terraform init/plan/apply with a
// confirmation, record the outputs. The same path serves AWS and the local
// cloud of `basicauth dev`; the caller says where (a provider override, a
// state file, an outputs file). CDKTF itself is only touched by synth.

import { rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CliError, EXIT } from '../core/errors.js';
import { step, type Emit } from '../core/events.js';
import type { Config } from '../project/config.js';
import { clearOutputs, fromTerraform, writeOutputs, type DeployOutputs } from '../project/outputs.js';
import {
  runTerraform,
  terraformFailure,
  type PlannedChange,
  type TerraformBinary,
  type TerraformRun,
} from '../project/terraform.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';
import { planChanges, type ResourceChange } from './plan.js';

/** A secret that already carries the name the stack wants, outside the Terraform state. */
export interface ExistingSecret {
  arn: string;
  /** when it was scheduled for deletion by an earlier destroy (epoch ms) */
  deletedAt?: number;
  /** until when it can be restored (epoch ms) */
  recoverableUntil?: number;
}

export interface DeployInput {
  config: Config;
  terraform: TerraformBinary;
  outdir: string;
  env: NodeJS.ProcessEnv;
  /** asked before anything changes; resolves true to go on */
  confirm: (plan: PlanSummary) => Promise<boolean>;
  /** --yes: one `terraform apply -auto-approve` (it plans as it goes) instead of plan, confirm, apply */
  autoApprove?: boolean;
  /** asked a yes/no question (restore a deleted secret…); resolves true to go on */
  ask: (question: string) => Promise<boolean>;
  /** where the outputs are recorded (default .basicauth/outputs.json) */
  outputsFile?: string;
  /** called with the stack directory after synthesis (the local cloud's provider override) */
  prepare?: (stackDir: string) => Promise<void>;
  /** looks the secret's name up outside Terraform (a destroyed one keeps its name for its recovery window) */
  findSecret?: (name: string) => Promise<ExistingSecret | undefined>;
  restoreSecret?: (arn: string) => Promise<void>;
  /** whether a Lambda function of this name exists in this region: one a stopped deploy made but did not record */
  functionExists?: (name: string, region: string) => Promise<boolean>;
  /** the id of a resource whose import id is not its name (a response headers policy), looked up by name */
  lookupImportId?: (type: string, name: string) => Promise<string | undefined>;
  /** gives a secret without a current value its first password (the only rotation a deploy makes) */
  firstPassword?: (outputs: DeployOutputs) => Promise<void>;
  /** attach mode: associates the function version with the existing distribution */
  attach?: (outputs: DeployOutputs) => Promise<void>;
  /** create mode: waits until CloudFront has deployed the distribution */
  waitDeployed?: (outputs: DeployOutputs) => Promise<void>;
  /** re-checks afterwards that every behavior runs the new version (but those left out on purpose) */
  checkProtection?: (outputs: DeployOutputs) => Promise<void>;
  /** gives the edge's log groups that exist now the config's retention; says which (new regions' appear as traffic arrives) */
  logRetention?: (outputs: DeployOutputs) => Promise<string>;
}

export interface PlanSummary {
  add: number;
  change: number;
  remove: number;
  changes: PlannedChange[];
  /** the attribute changes (`terraform show -json` of the saved plan), where a plan was saved */
  resources?: ResourceChange[];
}

export interface DeployResult {
  status: 'applied' | 'no-changes' | 'cancelled';
  plan: PlanSummary;
  outputs: DeployOutputs | undefined;
  /** a secret a previous destroy left, restored and taken back under management */
  restoredSecret?: string;
  synthMs: number;
}

/** Where deploy asks Terraform to import a secret it meets under the stack's name. */
const IMPORT_FILE = 'zz_basicauth_import.tf.json';

const summaryOf = (run: TerraformRun): PlanSummary => ({
  ...(run.summary ?? { add: 0, change: 0, remove: 0 }),
  changes: run.planned,
});

function ensure(run: TerraformRun, what: string, hint: string): TerraformRun {
  if (run.code !== 0) throw terraformFailure(what, run, hint);
  return run;
}

const INIT_HINT =
  'check the backend settings in basicauth.config.json; if the provider could not be installed, let terraform reach registry.terraform.io or set TF_CLI_CONFIG_FILE to a CLI config with a provider mirror';

/** What synthesis and a plan need of the deploy's input. */
type StackInput = Pick<DeployInput, 'config' | 'terraform' | 'outdir' | 'env' | 'prepare'>;

async function synthAndInit(input: StackInput, emit: Emit) {
  const { synthesize } = await import('../../stacks/synth.js');
  const started = performance.now();
  const synth = await step(
    emit,
    'synth',
    'bundle and synthesize',
    () => synthesize(input.config, input.outdir),
    (s) => `${s.resources.length} resources in ${relative('.', s.file)}`,
  );
  const synthMs = performance.now() - started;
  // an import block from an earlier run that did not finish goes; this run decides afresh
  await rm(join(synth.stackDir, IMPORT_FILE), { force: true });
  await input.prepare?.(synth.stackDir);
  const tf = async (args: string[]) => {
    const run = await runTerraform(input.terraform, args, { cwd: synth.stackDir, env: input.env, emit });
    if (run.interrupted) throw interrupted(input.terraform.name, args[0] ?? '', run, synth.stackDir);
    return run;
  };
  await step(emit, 'init', `${input.terraform.name} init`, async () =>
    ensure(await tf(['init', '-input=false', '-no-color']), `${input.terraform.name} init`, INIT_HINT),
  );
  return { synth, synthMs, tf };
}

export async function deploy(input: DeployInput, emit: Emit): Promise<DeployResult> {
  const { synth, synthMs, tf } = await synthAndInit(input, emit);
  const listed = await tf(['state', 'list', '-no-color']);
  const inState = listed.code === 0 ? new Set(listed.stdout.split('\n').filter(Boolean)) : undefined;
  await keepTaintedSecret(synth.resources, inState, tf, emit);
  const restoredSecret = await adoptExistingSecret(input, synth.resources, synth.stackDir, inState, emit);
  await adoptOrphanFunctions(input, synth.stackDir, inState, emit);
  const extra = restoredSecret ? { restoredSecret } : {};
  if (input.autoApprove) {
    // Also records what changed outside (a version `publish` made) in the state and the outputs.
    const applied = await adoptingOrphans(
      await tf(['apply', '-auto-approve', '-input=false', '-json']),
      synth.stackDir,
      tf,
      emit,
      input.lookupImportId,
    );
    if (applied.code !== 0)
      throw terraformFailure(
        `${input.terraform.name} apply`,
        applied,
        `fix the cause and run \`${again('deploy')}\` again: terraform resumes from what was created`,
      );
    const plan = summaryOf(applied);
    const changed = plan.add + plan.change + plan.remove > 0;
    const outputs = await recordOutputs(input, tf);
    if (outputs) await afterApply(input, outputs, { waitDeployed: changed }, emit);
    return { status: changed ? 'applied' : 'no-changes', plan, outputs, synthMs, ...extra };
  }
  const plan = await savedPlan(input, tf, emit);
  if (plan.add + plan.change + plan.remove === 0) {
    // Nothing to change, but what changed outside (a version `publish` made) belongs in the state and the outputs.
    await tf(['apply', '-refresh-only', '-auto-approve', '-input=false', '-json']);
    const outputs = await recordOutputs(input, tf);
    if (outputs) await afterApply(input, outputs, { waitDeployed: false, attachQuietly: true }, emit);
    return { status: 'no-changes', plan, outputs, synthMs, ...extra };
  }
  if (!(await input.confirm(plan))) return { status: 'cancelled', plan, outputs: undefined, synthMs, ...extra };
  const applied = await adoptingOrphans(
    await tf(['apply', '-input=false', '-json', 'tfplan']),
    synth.stackDir,
    tf,
    emit,
    input.lookupImportId,
  );
  if (applied.code !== 0) {
    throw terraformFailure(
      `${input.terraform.name} apply`,
      applied,
      `fix the cause and run \`${again('deploy')}\` again: terraform resumes from what was created`,
    );
  }
  const outputs = await recordOutputs(input, tf);
  if (outputs) await afterApply(input, outputs, { waitDeployed: true }, emit);
  return { status: 'applied', plan, outputs, synthMs, ...extra };
}

/** What follows a successful apply, in order: the first password, attach mode's association, CloudFront's deploy, the protection check, log retention. */
async function afterApply(
  input: DeployInput,
  outputs: DeployOutputs,
  o: { waitDeployed: boolean; attachQuietly?: boolean },
  emit: Emit,
): Promise<void> {
  if (input.firstPassword) await input.firstPassword(outputs);
  if (input.attach) {
    if (o.attachQuietly) await input.attach(outputs);
    else
      await step(emit, 'attach', `attach the edge function to ${outputs.distributionId}`, () => input.attach!(outputs));
  }
  if (o.waitDeployed && input.waitDeployed) await input.waitDeployed(outputs);
  if (input.checkProtection)
    await step(emit, 'check', 'check that every cache behavior runs the new version', () =>
      input.checkProtection!(outputs),
    );
  if (input.logRetention)
    await step(
      emit,
      'logs',
      "give the edge's log groups their retention",
      () => input.logRetention!(outputs),
      (said) => said,
    );
}

/** A terraform run Ctrl-C stopped: where things are, and what to run next. */
function interrupted(name: string, command: string, run: TerraformRun, stackDir: string): CliError {
  const forced = (run.interrupted ?? 0) > 1;
  const changing = command === 'apply';
  const state = changing
    ? forced
      ? `${name} ${command} was forced to stop: the state holds what was finished; a resource under way may exist without being in it`
      : `${name} ${command} stopped cleanly: the state holds everything it created or changed before the stop`
    : `${name} ${command} stopped before changing anything`;
  const lock = forced
    ? `; if ${name} then says the state is locked, release it with \`${name} force-unlock <ID>\` in ${stackDir} (the ID is in that message)`
    : '';
  return new CliError(`interrupted: ${state}`, {
    exitCode: EXIT.interrupted,
    hint: `${again('plan')} shows what is left to do; ${again('deploy')} finishes it (or ${again('destroy')} removes it)${lock}`,
  });
}

/** `terraform plan -out` and the attribute changes of what it saved. Changes nothing. */
async function savedPlan(
  input: StackInput,
  tf: (args: string[]) => Promise<TerraformRun>,
  emit: Emit,
): Promise<PlanSummary> {
  const planned = await step(emit, 'plan', `${input.terraform.name} plan`, async () =>
    ensure(
      await tf(['plan', '-input=false', '-json', '-out=tfplan']),
      `${input.terraform.name} plan`,
      'fix the problem above; nothing was changed',
    ),
  );
  const shown = ensure(
    await tf(['show', '-json', '-no-color', 'tfplan']),
    `${input.terraform.name} show`,
    'fix the problem above; nothing was changed',
  );
  let resources: ResourceChange[];
  try {
    resources = planChanges(JSON.parse(shown.stdout) as Parameters<typeof planChanges>[0]);
  } catch (error) {
    throw new CliError(`${input.terraform.name} show -json printed no plan document: ${(error as Error).message}`, {
      hint: 'check that the terraform in use is 1.6 or newer',
    });
  }
  return { ...summaryOf(planned), resources };
}

/** `basicauth plan`: what a deploy would change, attribute by attribute; nothing is changed. */
export async function plan(input: StackInput, emit: Emit): Promise<{ plan: PlanSummary; synthMs: number }> {
  const { synthMs, tf } = await synthAndInit(input, emit);
  return { plan: await savedPlan(input, tf, emit), synthMs };
}

const ALREADY_EXISTS = /already exists?\b|EntityAlreadyExists|ResourceAlreadyExists/i;

/**
 * A deploy stopped in the middle of a create (Ctrl-C, a lost connection) can leave the resource
 * made but not in the state; the next apply then fails with "already exists". Import each such
 * resource under its address (its id is its name, from the synthesized config) and apply again,
 * once: the change the user asked for is the same, with those resources now known.
 */
async function adoptingOrphans(
  run: TerraformRun,
  stackDir: string,
  tf: (args: string[]) => Promise<TerraformRun>,
  emit: Emit,
  lookup?: (type: string, name: string) => Promise<string | undefined>,
): Promise<TerraformRun> {
  if (run.code === 0) return run;
  const errors = run.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 || !errors.every((d) => d.address && ALREADY_EXISTS.test(`${d.summary} ${d.detail}`)))
    return run;
  const config = await stackConfig(stackDir);
  const ids = await Promise.all(
    errors.map(async (d) => [d.address!, await importIdOrLookup(config.resource ?? {}, d.address!, lookup)] as const),
  );
  if (ids.some(([, id]) => id === undefined)) return run;
  for (const [address, id] of ids) {
    emit({
      type: 'log',
      level: 'warn',
      message: `${address} exists but is not in the state (an earlier deploy stopped while creating it): importing ${id}`,
    });
    const imported = await tf(['import', '-input=false', '-no-color', address, id!]);
    if (imported.code !== 0) return run;
  }
  return tf(['apply', '-auto-approve', '-input=false', '-json']);
}

/**
 * Lambda functions a stopped deploy created but did not record: found before the apply, because
 * the provider retries a CreateFunction that meets one for minutes before it gives up. Each is
 * taken under management with an import block (next to the secret's, if any).
 */
async function adoptOrphanFunctions(
  input: DeployInput,
  stackDir: string,
  inState: Set<string> | undefined,
  emit: Emit,
): Promise<void> {
  if (!input.functionExists || !inState) return;
  const config = await stackConfig(stackDir);
  // the region a resource lives in: its provider's ("aws" or "aws.<alias>")
  const regionOf = (provider: unknown) => {
    const alias = typeof provider === 'string' ? provider.split('.')[1] : undefined;
    return config.provider?.aws?.find((p) => p.alias === alias)?.region ?? input.config.region;
  };
  const imports: Array<{ to: string; id: string }> = [];
  for (const [name, attrs] of Object.entries(config.resource?.aws_lambda_function ?? {})) {
    const address = `aws_lambda_function.${name}`;
    if (inState.has(address)) continue;
    const id = importId(config.resource ?? {}, address);
    if (id && (await input.functionExists(id, regionOf(attrs.provider)))) imports.push({ to: address, id });
  }
  if (imports.length === 0) return;
  const { readFile } = await import('node:fs/promises');
  const file = join(stackDir, IMPORT_FILE);
  const existing = await readFile(file, 'utf8').then(
    (t) => (JSON.parse(t) as { import: Array<{ to: string; id: string }> }).import,
    () => [],
  );
  await writeFile(file, `${JSON.stringify({ import: [...existing, ...imports] }, null, 2)}\n`);
  for (const i of imports)
    emit({
      type: 'log',
      level: 'warn',
      message: `${i.to} exists but is not in the state (an earlier deploy stopped while creating it): importing ${i.id}`,
    });
}

/** The synthesized configuration (cdk.tf.json): its resources by type and name, and its providers. */
interface StackConfig {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: { aws?: Array<{ alias?: string; region?: string }> };
}

async function stackConfig(stackDir: string): Promise<StackConfig> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')) as StackConfig;
}

/** The id `terraform import` takes for a resource of the stack: its name, from the synthesized config. */
/** The import id, also of a resource whose id is not its name: then looked up by its (literal) name. */
async function importIdOrLookup(
  resources: NonNullable<StackConfig['resource']>,
  address: string,
  lookup: ((type: string, name: string) => Promise<string | undefined>) | undefined,
): Promise<string | undefined> {
  const direct = importId(resources, address);
  if (direct !== undefined || !lookup) return direct;
  const [type = '', name = ''] = address.split('.');
  const named = resources[type]?.[name]?.name;
  return typeof named === 'string' && !named.includes('${') ? lookup(type, named).catch(() => undefined) : undefined;
}

function importId(resources: NonNullable<StackConfig['resource']>, address: string): string | undefined {
  const [type = '', name = ''] = address.split('.');
  const attrs = resources[type]?.[name];
  if (!attrs) return undefined;
  // a literal, or a reference to another resource's name ("${aws_iam_role.edge_role.id}")
  const value = (key: string): string | undefined => {
    const v = attrs[key];
    if (typeof v !== 'string') return undefined;
    const ref = /^\$\{(\w+)\.(\w+)\.(?:id|name|function_name)\}$/.exec(v);
    if (!ref) return v.includes('${') ? undefined : v;
    const target = resources[ref[1]!]?.[ref[2]!];
    const named = target?.name ?? target?.function_name;
    return typeof named === 'string' && !named.includes('${') ? named : undefined;
  };
  switch (type) {
    case 'aws_lambda_function':
      return value('function_name');
    case 'aws_iam_role':
    case 'aws_cloudwatch_log_group':
    case 'aws_cloudfront_function':
    case 'aws_cloudfront_key_value_store':
      return value('name');
    case 'aws_iam_role_policy': {
      const [role, policy] = [value('role'), value('name')];
      return role && policy ? `${role}:${policy}` : undefined;
    }
    case 'aws_lambda_permission': {
      const [fn, statement] = [value('function_name'), value('statement_id')];
      return fn && statement ? `${fn}/${statement}` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A deploy stopped while the secret was being created (Ctrl-C, a lost connection) leaves it
 * tainted in the state, and Terraform would replace it: delete it, which keeps its name taken
 * for the recovery window, so the create that follows fails for days. The secret holds nothing
 * a half-finished create could spoil (its value comes later, from the rotation): keep it.
 */
async function keepTaintedSecret(
  resources: Array<{ type: string; name: string }>,
  inState: Set<string> | undefined,
  tf: (args: string[]) => Promise<TerraformRun>,
  emit: Emit,
): Promise<void> {
  const resource = resources.find((r) => r.type === 'aws_secretsmanager_secret');
  if (!resource) return;
  const address = `${resource.type}.${resource.name}`;
  if (!inState?.has(address)) return; // a tainted resource is listed: only then is the state worth reading
  const shown = await tf(['show', '-json', '-no-color']);
  if (shown.code !== 0) return;
  let state: { values?: { root_module?: { resources?: Array<{ address?: string; tainted?: boolean }> } } };
  try {
    state = JSON.parse(shown.stdout) as typeof state;
  } catch {
    return;
  }
  if (!state.values?.root_module?.resources?.some((r) => r.address === address && r.tainted)) return;
  emit({
    type: 'log',
    level: 'warn',
    message: `${address} was being created when an earlier deploy stopped: keeping it (terraform untaint) instead of replacing it, which would keep its name taken for its recovery window`,
  });
  await tf(['untaint', '-no-color', address]).then((r) =>
    ensure(r, `terraform untaint`, `run \`terraform untaint ${address}\` in the stack directory, then deploy again`),
  );
}

/**
 * A destroyed secret keeps its name for its recovery window, so a new one
 * cannot be created meanwhile (on AWS as here). Offer to restore it and take
 * it back under Terraform; the same for one that exists outside the state.
 */
async function adoptExistingSecret(
  input: DeployInput,
  resources: Array<{ type: string; name: string }>,
  stackDir: string,
  inState: Set<string> | undefined,
  emit: Emit,
): Promise<string | undefined> {
  const resource = resources.find((r) => r.type === 'aws_secretsmanager_secret');
  if (!resource || !input.findSecret) return undefined;
  const address = `${resource.type}.${resource.name}`;
  if (inState?.has(address)) return undefined;
  const { secretNameOf } = await import('../project/config.js');
  const name = secretNameOf(input.config);
  const existing = await input.findSecret(name);
  if (!existing) return undefined;
  const until = existing.recoverableUntil ? formatWhen(new Date(existing.recoverableUntil).toISOString()) : undefined;
  if (existing.deletedAt !== undefined) {
    emit({
      type: 'log',
      level: 'warn',
      message: `the secret ${name} was deleted by an earlier destroy and keeps its name until ${until ?? 'its recovery window ends'}: a new one cannot be created meanwhile`,
    });
    if (!(await input.ask(`Restore ${name} (its passwords come back, the next rotation replaces them) and deploy?`))) {
      throw new CliError(`${name} is scheduled for deletion, so deploy cannot create it`, {
        hint: `answer yes to restore it, set secret.name in basicauth.config.json to another name, or wait until ${until ?? 'the recovery window ends'}`,
      });
    }
    await step(emit, 'restore', `restore ${name}`, () => input.restoreSecret!(existing.arn));
  } else if (
    !(await input.ask(
      `A secret named ${name} exists but this deploy's Terraform state does not hold it. Take it under management?`,
    ))
  ) {
    throw new CliError(`a secret named ${name} already exists outside this deploy's Terraform state`, {
      hint: 'answer yes to take it under management, or set secret.name in basicauth.config.json to another name',
    });
  }
  // Terraform's import block: the plan and apply that follow take it under management in the same run.
  await writeFile(
    join(stackDir, IMPORT_FILE),
    `${JSON.stringify({ import: [{ to: address, id: existing.arn }] }, null, 2)}\n`,
  );
  emit({ type: 'log', level: 'info', message: `${address} will be imported from ${existing.arn}` });
  return name;
}

async function recordOutputs(
  input: DeployInput,
  tf: (args: string[]) => Promise<TerraformRun>,
): Promise<DeployOutputs | undefined> {
  const out = await tf(['output', '-json', '-no-color']);
  if (out.code !== 0) return undefined;
  // `terraform output -json` prints one JSON object, not a UI stream.
  let values: Record<string, { value: unknown }>;
  try {
    values = JSON.parse(out.stdout) as Record<string, { value: unknown }>;
  } catch {
    return undefined;
  }
  if (!values.secret_arn) return undefined;
  const outputs = fromTerraform(
    input.config.name,
    input.config.region,
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value])),
  );
  await writeOutputs(outputs, input.outputsFile);
  return outputs;
}

export interface DestroyInput
  extends Omit<DeployInput, 'attach' | 'waitDeployed' | 'restoreSecret' | 'checkProtection'> {
  detach?: () => Promise<void>;
}

/** What became of the secret, as Secrets Manager says afterwards (not as the plan expected). */
export interface SecretAfterDestroy {
  name: string;
  state: 'scheduled-for-deletion' | 'deleted' | 'exists';
  /** scheduled: when it is deleted for good (ISO), and the days left until then */
  recoverableUntil?: string;
  recoveryWindowDays?: number;
}

export interface DestroyResult {
  status: 'destroyed' | 'cancelled' | 'function-retained' | 'nothing-deployed';
  plan: PlanSummary;
  retained: string[];
  /** what became of the secret */
  secret?: SecretAfterDestroy;
}

/** Asks Secrets Manager what became of the stack's secret (a guess from the config where it cannot be asked). */
async function secretAfterDestroy(input: DestroyInput): Promise<SecretAfterDestroy | undefined> {
  const { secretNameOf } = await import('../project/config.js');
  const name = secretNameOf(input.config);
  if (!input.findSecret) {
    const days = input.config.secret.recoveryWindowDays;
    return days > 0
      ? {
          name,
          state: 'scheduled-for-deletion',
          recoveryWindowDays: days,
          recoverableUntil: new Date(Date.now() + days * 86_400_000).toISOString(),
        }
      : { name, state: 'deleted' };
  }
  const found = await input.findSecret(name);
  if (!found) return { name, state: 'deleted' };
  if (found.recoverableUntil === undefined) return { name, state: 'exists' };
  return {
    name,
    state: 'scheduled-for-deletion',
    recoverableUntil: new Date(found.recoverableUntil).toISOString(),
    recoveryWindowDays: Math.max(0, Math.ceil((found.recoverableUntil - Date.now()) / 86_400_000)),
  };
}

// Lambda@Edge: a function with replicas cannot be deleted for hours after the
// last distribution lets go of it.
const REPLICATED = /replicated function|unable to delete .* replica/i;

export async function destroy(input: DestroyInput, emit: Emit): Promise<DestroyResult> {
  const { tf } = await synthAndInit(input, emit);
  let applied: TerraformRun;
  let plan: PlanSummary;
  const listed = await tf(['state', 'list', '-no-color']);
  if (listed.code === 0 && listed.stdout.trim() === '') {
    await clearOutputs(input.outputsFile);
    const secret = await secretAfterDestroy(input);
    return {
      status: 'nothing-deployed',
      plan: { add: 0, change: 0, remove: 0, changes: [] },
      retained: [],
      ...(secret && secret.state !== 'deleted' ? { secret } : {}),
    };
  }
  if (input.autoApprove) {
    if (input.detach) await step(emit, 'detach', 'detach the edge function from the distribution', input.detach);
    applied = await tf(['apply', '-destroy', '-auto-approve', '-input=false', '-json']);
    plan = summaryOf(applied);
  } else {
    const planned = await step(emit, 'plan', `${input.terraform.name} plan -destroy`, async () =>
      ensure(
        await tf(['plan', '-destroy', '-input=false', '-json', '-out=tfplan']),
        `${input.terraform.name} plan -destroy`,
        'nothing was changed',
      ),
    );
    plan = summaryOf(planned);
    if (!(await input.confirm(plan))) return { status: 'cancelled', plan, retained: [] };
    if (input.detach) await step(emit, 'detach', 'detach the edge function from the distribution', input.detach);
    applied = await tf(['apply', '-input=false', '-json', 'tfplan']);
  }
  const secret = await secretAfterDestroy(input);
  if (applied.code === 0) {
    await clearOutputs(input.outputsFile);
    return { status: 'destroyed', plan, retained: [], ...(secret ? { secret } : {}) };
  }
  const errors = applied.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 && errors.every((d) => REPLICATED.test(`${d.summary} ${d.detail}`))) {
    const retained = errors.map((d) => d.address ?? 'the edge function');
    emit({ type: 'log', level: 'warn', message: `kept ${retained.join(', ')}: CloudFront still holds replicas of it` });
    return { status: 'function-retained', plan, retained, ...(secret ? { secret } : {}) };
  }
  throw terraformFailure(
    `${input.terraform.name} destroy`,
    applied,
    `fix the cause and run \`${again('destroy')}\` again: it continues with what is left`,
  );
}
