import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.js';
import type { CommandContext } from '../main.js';
import type { PlanSummary } from '../ops/deploy.js';

interface DeployFlags {
  config: string;
  out: string;
  yes?: boolean;
  verify?: boolean;
  json?: boolean;
}

function planText(plan: PlanSummary): string {
  const lines = plan.changes.map((c) => `  ${c.action.padEnd(8)} ${c.address}`);
  return [...lines, `Plan: ${plan.add} to add, ${plan.change} to change, ${plan.remove} to destroy.`].join('\n');
}

export function registerSynthAndDeploy(program: Command, ctx: CommandContext): void {
  program
    .command('synth')
    .description('write the Terraform configuration (cdktf.out/) from basicauth.config.json; no AWS needed')
    .option('--config <file>', 'config file', 'basicauth.config.json')
    .option('--out <dir>', 'output directory', 'cdktf.out')
    .option('--json', 'print the result as one JSON document')
    .action(async (flags: { config: string; out: string; json?: boolean }) => {
      const [{ loadConfig }, { synthesize }] = await Promise.all([import('../config.js'), import('../../stacks/synth.js')]);
      const config = await loadConfig(flags.config);
      const started = performance.now();
      const result = await synthesize(config, flags.out);
      const ms = Math.round(performance.now() - started);
      if (flags.json) return ctx.printJson({ ...result, ms });
      ctx.print(`Synthesized ${result.resources.length} resources into ${result.file} (${ms} ms)`);
      for (const r of result.resources) ctx.print(`  ${r.type}.${r.name}`);
    });

  for (const verb of ['deploy', 'destroy'] as const) {
    const command = program
      .command(verb)
      .description(
        verb === 'deploy'
          ? 'bundle, synthesize and apply with Terraform (plan shown, confirmation asked), then record the outputs'
          : 'remove everything deploy created (the edge function may outlive the rest for a few hours: CloudFront replicas)',
      )
      .option('--config <file>', 'config file', 'basicauth.config.json')
      .option('--out <dir>', 'synthesis directory', 'cdktf.out')
      .option('-y, --yes', 'apply without asking')
      .option('--json', 'print the result as one JSON document');
    if (verb === 'deploy') command.option('--verify', 'run `basicauth verify` on the site afterwards');
    command.action(async (flags: DeployFlags) => {
        if (!flags.yes && !ctx.stdinIsTTY()) {
          throw new UsageError(`${verb} changes AWS resources and there is no terminal to ask for confirmation`, `rerun with --yes`);
        }
        const [{ loadConfig }, { findTerraform }, ops, { createAwsClients }] = await Promise.all([
          import('../config.js'),
          import('../terraform.js'),
          import('../ops/deploy.js'),
          import('../aws.js'),
        ]);
        const config = await loadConfig(flags.config);
        const terraform = findTerraform(ctx.env);
        const emit = await ctx.progress({ json: flags.json });
        const confirm = async (plan: PlanSummary) => {
          ctx.log(planText(plan));
          if (flags.yes) return true;
          const ask = await ctx.prompter();
          return /^y(es)?$/i.test((await ask(verb === 'deploy' ? 'Apply these changes?' : 'Destroy all of this?', 'y/N')).trim());
        };
        const clients = createAwsClients({ region: config.region });
        const dist = config.distribution;
        const common = { config, terraform, outdir: flags.out, env: ctx.env, confirm };
        if (verb === 'deploy') {
          const result = await ops.deploy(
            {
              ...common,
              ...(dist.mode === 'attach'
                ? {
                    attach: async (outputs) => {
                      const { attach } = await import('../ops/attach.js');
                      await attach(await clients.cloudfront(), { distributionId: dist.distributionId, functionVersionArn: outputs.edgeFunctionQualifiedArn, pathPatterns: dist.pathPatterns, replace: false });
                    },
                  }
                : {}),
            },
            emit,
          );
          if (result.status === 'cancelled') throw new CliError('deploy cancelled: nothing was changed');
          let verification: unknown;
          if (flags.verify && result.outputs?.distributionDomainName) {
            const { runVerify } = await import('./verify.js');
            verification = await runVerify(`https://${result.outputs.distributionDomainName}/`, { expect: '200', wait: '15m', secretId: result.outputs.secretArn, region: config.region }, ctx, { quiet: Boolean(flags.json) });
          }
          if (flags.json) return ctx.printJson(verification ? { ...result, verify: verification } : result);
          ctx.print(result.status === 'no-changes' ? 'No changes: everything is as configured.' : `Deployed. Site: https://${result.outputs?.distributionDomainName ?? `(distribution ${result.outputs?.distributionId})`}/`);
          if (result.outputs) ctx.print('Credentials: npx basicauth show-creds');
          if (verification && !(verification as { ok: boolean }).ok) throw new CliError('the site failed verification after the deploy', { hint: 'CloudFront may still be deploying: basicauth verify --wait 15m' });
          return;
        }
        const result = await ops.destroy(
          {
            ...common,
            ...(dist.mode === 'attach'
              ? {
                  detach: async () => {
                    const [{ readOutputs }, { detach }] = await Promise.all([import('../outputs.js'), import('../ops/attach.js')]);
                    const outputs = await readOutputs();
                    if (outputs) await detach(await clients.cloudfront(), { distributionId: dist.distributionId, functionVersionArn: outputs.edgeFunctionQualifiedArn, pathPatterns: dist.pathPatterns });
                  },
                }
              : {}),
          },
          emit,
        );
        if (result.status === 'cancelled') throw new CliError('destroy cancelled: nothing was changed');
        if (flags.json) return ctx.printJson(result);
        if (result.status === 'function-retained') {
          throw new CliError(`everything is destroyed except ${result.retained.join(', ')}: CloudFront keeps replicas of a Lambda@Edge function for a few hours after the distribution releases it`, {
            hint: 'run `basicauth destroy` again in a few hours: the function and its role are still in the Terraform state and will be removed then',
          });
        }
        ctx.print('Destroyed.');
      });
  }
}
