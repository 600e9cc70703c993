import type { Command } from 'commander';
import { CliError, UsageError } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import type { PlanSummary } from '../ops/deploy.js';
import { DEFAULT_STATE_DIR } from '../dev/session.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';
import { askYesNo, jsonOption } from './options.js';

interface DeployFlags {
  config: string;
  out: string;
  yes?: boolean;
  verify?: boolean;
  wait: boolean;
  json?: boolean;
  local?: boolean;
  stateDir?: string;
  profile?: string;
}

/** The plan with its attribute changes where terraform saved one; else (destroy) one line per resource. */
async function planText(plan: PlanSummary): Promise<string> {
  if (plan.resources) return (await import('../ops/plan.js')).planText(plan.resources, plan);
  const lines = plan.changes.map((c) => `  ${c.action.padEnd(8)} ${c.address}`);
  return [...lines, `Plan: ${plan.add} to add, ${plan.change} to change, ${plan.remove} to destroy.`].join('\n');
}

export function registerSynthAndDeploy(program: Command, ctx: CommandContext): void {
  program
    .command('synth')
    .description('write the Terraform configuration (cdktf.out/) from basicauth.config.json; no AWS needed')
    .option('--config <file>', 'config file', 'basicauth.config.json')
    .option('--out <dir>', 'output directory', 'cdktf.out')
    .addOption(jsonOption())
    .action(async (flags: { config: string; out: string; json?: boolean }) => {
      const [{ loadConfig }, { synthesize }] = await Promise.all([
        import('../project/config.js'),
        import('../../stacks/synth.js'),
      ]);
      const config = await loadConfig(flags.config);
      const started = performance.now();
      const result = await synthesize(config, flags.out);
      const ms = Math.round(performance.now() - started);
      if (flags.json) return ctx.printJson({ ...result, ms });
      ctx.print(`Synthesized ${result.resources.length} resources into ${result.file} (${ms} ms)`);
      for (const r of result.resources) ctx.print(`  ${r.type}.${r.name}`);
    });

  for (const verb of ['plan', 'deploy', 'destroy'] as const) {
    const command = program
      .command(verb)
      .description(
        verb === 'plan'
          ? 'show what deploy would change, attribute by attribute (terraform plan); changes nothing, needs no terminal'
          : verb === 'deploy'
            ? 'bundle, synthesize and apply with Terraform (plan shown, confirmation asked), then record the outputs'
            : 'remove everything deploy created (the edge function may outlive the rest for a few hours: CloudFront replicas)',
      )
      .option('--config <file>', 'config file', 'basicauth.config.json')
      .option('--out <dir>', 'synthesis directory (AWS; --local keeps its own in the state directory)', 'cdktf.out');
    if (verb !== 'plan') command.option('-y, --yes', 'apply without asking');
    command
      .option('--local', `${verb} against the running \`basicauth dev\` instead of AWS`)
      .option('--state-dir <dir>', `state directory of that dev (default: ${DEFAULT_STATE_DIR})`)
      .option('--profile <name>', 'AWS profile for Terraform and the SDK (default: AWS_PROFILE)')
      .addOption(jsonOption());
    if (verb === 'deploy') {
      command
        .option('--verify', 'run `basicauth verify` on the site afterwards')
        .option('--no-wait', 'do not wait for CloudFront to finish deploying the distribution');
    }
    command.action(async (flags: DeployFlags) => {
      if (verb === 'plan') return planCommand(flags, ctx);
      if (!flags.yes && !ctx.stdinIsTTY()) {
        throw new UsageError(
          `${verb} changes ${flags.local ? 'the local cloud' : 'AWS resources'} and there is no terminal to ask for confirmation`,
          `rerun with --yes`,
        );
      }
      const [{ loadConfig, edgeConfigFor, engineOf }, { findTerraform }, ops] = await Promise.all([
        import('../project/config.js'),
        import('../project/terraform.js'),
        import('../ops/deploy.js'),
      ]);
      const config = await loadConfig(flags.config);
      const terraform = findTerraform(ctx.env);
      const where = await (await import('../ops/deploy-target.js')).deployTarget(flags, config, ctx.env);
      const emit = await ctx.progress({ json: flags.json });
      const ask = async (question: string) => Boolean(flags.yes) || askYesNo(ctx, question);
      const confirm = async (plan: PlanSummary) => {
        ctx.log(await planText(plan));
        return ask(verb === 'deploy' ? 'Apply these changes?' : 'Destroy all of this?');
      };
      const dist = config.distribution;
      const common = {
        config,
        terraform,
        outdir: where.outdir,
        env: where.env,
        confirm,
        ask,
        autoApprove: Boolean(flags.yes),
        ...where.deployOptions,
      };
      if (verb === 'deploy') {
        const result = await ops.deploy(
          {
            ...common,
            ...where.secretAdoption,
            functionExists: where.functionExists,
            lookupImportId: where.lookupImportId,
            firstPassword: async (outputs) => {
              const { ensureFirstPassword } = await import('../ops/rotate.js');
              await ensureFirstPassword(
                await where.clients.secretsManager(),
                {
                  secretId: outputs.secretArn,
                  timeoutMs: 120_000,
                  pollMs: flags.local ? 100 : 2_000,
                  settleMs: 60_000,
                  ...(where.rotationProbe ? { probe: where.rotationProbe(outputs.secretArn) } : {}),
                },
                emit,
              );
            },
            ...(dist.mode === 'attach'
              ? {
                  attach: async (outputs) => {
                    const { attach } = await import('../ops/attach.js');
                    const { waitVersionActive } = await import('../ops/publish.js');
                    await waitVersionActive(
                      await where.clients.lambda(),
                      outputs.edgeFunctionQualifiedArn,
                      { timeoutMs: 300_000, pollMs: flags.local ? 250 : 5_000 },
                      emit,
                    );
                    await attach(await where.clients.cloudfront(), {
                      distributionId: dist.distributionId,
                      functionVersionArn: outputs.edgeFunctionQualifiedArn,
                      leaveUnprotected: dist.leaveUnprotected,
                      replace: false,
                      responseHeadersPolicyId: outputs.responseHeadersPolicyId,
                    });
                  },
                }
              : {}),
            ...(dist.mode === 'create' && flags.wait
              ? { waitDeployed: (outputs) => where.waitDeployed(outputs.distributionId, emit) }
              : {}),
            logRetention: async (outputs) => {
              const [{ ENGINES }, logs] = await Promise.all([import('../engines/index.js'), import('../ops/logs.js')]);
              const api = logs.withBackoff(await where.clients.logs());
              const days = config.logs.retentionDays;
              const groups = await logs.findLogGroups(
                api,
                ENGINES[outputs.engine ?? engineOf(config)].logGroups(outputs.edgeFunctionName),
              );
              const changed = (await logs.setRetention(api, groups, days)).filter((g) => g.before !== days);
              const where_ = groups.length ? ` (${groups.map((g) => g.region).join(', ')})` : '';
              return `${days} days on ${groups.length} group${groups.length === 1 ? '' : 's'}${where_}${changed.length ? `, ${changed.length} changed` : ''}; new regions' groups appear as traffic arrives: \`${again(`logs --retention ${days}d`)}\` then`;
            },
            checkProtection: async (outputs) => {
              const { ENGINES } = await import('../engines/index.js');
              await ENGINES[outputs.engine ?? engineOf(config)].checkProtection(
                {
                  clients: where.clients,
                  secretId: outputs.secretArn,
                  functionName: outputs.edgeFunctionName,
                  distributionId: outputs.distributionId,
                  keyValueStoreArn: outputs.keyValueStoreArn,
                  graceSeconds: edgeConfigFor(config).graceSeconds,
                  leaveUnprotected: dist.mode === 'attach' ? dist.leaveUnprotected : [],
                  local: flags.local,
                },
                { distributionId: outputs.distributionId, functionQualifiedArn: outputs.edgeFunctionQualifiedArn },
              );
            },
          },
          emit,
        );
        if (result.status === 'cancelled') throw new CliError('deploy cancelled: nothing was changed');
        const url = result.outputs ? await where.siteUrl(result.outputs) : undefined;
        let verification: unknown;
        if (flags.verify && url && result.outputs) {
          const { runVerify } = await import('../ops/verify-run.js');
          verification = await runVerify(
            url,
            {
              expect: '200',
              wait: '15m',
              secretId: result.outputs.secretArn,
              region: config.region,
              ...(flags.local ? { local: true, stateDir: flags.stateDir } : {}),
            },
            ctx,
            { quiet: Boolean(flags.json) },
          );
        }
        if (flags.json) return ctx.printJson({ ...result, url, ...(verification ? { verify: verification } : {}) });
        if (result.restoredSecret)
          ctx.print(`Restored ${result.restoredSecret}, which an earlier destroy had scheduled for deletion.`);
        ctx.print(
          result.status === 'no-changes'
            ? 'No changes: everything is as configured.'
            : `Deployed. Site: ${url ?? `(distribution ${result.outputs?.distributionId})`}`,
        );
        if (result.outputs) ctx.print(`Credentials: npx ${again('show-creds')}`);
        if (result.outputs?.s3BucketPolicy && dist.mode === 'create' && dist.origin.type === 's3') {
          ctx.print(
            `The bucket ${dist.origin.bucket} must let this distribution read it (origin access control). Add this statement to its bucket policy:`,
          );
          ctx.print(result.outputs.s3BucketPolicy);
        }
        if (verification && !(verification as { ok: boolean }).ok)
          throw new CliError('the site failed verification after the deploy', {
            hint: `CloudFront may still be deploying: ${again('verify --wait 15m')}`,
          });
        return;
      }
      const result = await ops.destroy(
        {
          ...common,
          findSecret: where.secretAdoption.findSecret,
          ...(dist.mode === 'attach'
            ? {
                detach: async () => {
                  const [{ readOutputs }, { detach }] = await Promise.all([
                    import('../project/outputs.js'),
                    import('../ops/attach.js'),
                  ]);
                  const outputs = await readOutputs(where.deployOptions.outputsFile);
                  if (outputs)
                    await detach(await where.clients.cloudfront(), {
                      distributionId: dist.distributionId,
                      functionVersionArn: outputs.edgeFunctionQualifiedArn,
                      pathPatterns: [],
                      responseHeadersPolicyId: outputs.responseHeadersPolicyId,
                    });
                },
              }
            : {}),
        },
        emit,
      );
      if (result.status === 'cancelled') throw new CliError('destroy cancelled: nothing was changed');
      if (flags.json) return ctx.printJson(result);
      if (result.status === 'nothing-deployed') {
        ctx.print(
          `Nothing to destroy: ${flags.local ? 'the local cloud' : 'the Terraform state'} holds nothing of ${config.name}.`,
        );
        if (result.secret) ctx.print(secretFate(result.secret));
        return;
      }
      if (result.status === 'function-retained') {
        throw new CliError(
          `everything is destroyed except ${result.retained.join(', ')}: CloudFront keeps replicas of a Lambda@Edge function for a few hours after the distribution releases it`,
          {
            hint: `run \`${again('destroy')}\` again in a few hours: the function and its role are still in the Terraform state and will be removed then`,
          },
        );
      }
      ctx.print(`Destroyed ${config.name}.`);
      if (result.secret) ctx.print(secretFate(result.secret));
    });
  }
}

/** What Secrets Manager says became of the secret after a destroy. */
function secretFate(secret: import('../ops/deploy.js').SecretAfterDestroy): string {
  if (secret.state === 'deleted') return `The secret ${secret.name} is deleted for good.`;
  if (secret.state === 'exists')
    return `The secret ${secret.name} still exists: Terraform did not manage it, so destroy left it as it is.`;
  return `The secret ${secret.name} is scheduled for deletion and stays recoverable until ${formatWhen(secret.recoverableUntil)}; until then its name is taken, and \`${again('deploy')}\` offers to restore it.`;
}

/** `basicauth plan`: the same synthesis and plan as deploy, printed (or one JSON document); nothing changes. */
async function planCommand(flags: DeployFlags, ctx: CommandContext): Promise<void> {
  const [{ loadConfig }, { findTerraform }, ops] = await Promise.all([
    import('../project/config.js'),
    import('../project/terraform.js'),
    import('../ops/deploy.js'),
  ]);
  const config = await loadConfig(flags.config);
  const terraform = findTerraform(ctx.env);
  const where = await (await import('../ops/deploy-target.js')).deployTarget(flags, config, ctx.env);
  const emit = await ctx.progress({ json: flags.json });
  const { plan, synthMs } = await ops.plan(
    { config, terraform, outdir: where.outdir, env: where.env, ...where.deployOptions },
    emit,
  );
  const changed = plan.add + plan.change + plan.remove > 0;
  if (flags.json)
    return ctx.printJson({
      changed,
      add: plan.add,
      change: plan.change,
      destroy: plan.remove,
      resources: plan.resources ?? [],
      synthMs: Math.round(synthMs),
    });
  if (!changed) return ctx.print(`No changes: ${flags.local ? 'the local cloud' : 'AWS'} is as ${flags.config} says.`);
  ctx.print(await planText(plan));
  ctx.print(`To apply: ${again('deploy')}`);
}
