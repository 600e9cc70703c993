import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.js';
import type { CommandContext } from '../main.js';

interface InitFlags {
  name?: string;
  region?: string;
  origin?: string;
  distributionId?: string;
  users?: string;
  days?: string;
  schedule?: string;
  stateBucket?: string;
  stateRegion?: string;
  config: string;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write basicauth.config.json: asks in a terminal, takes flags otherwise')
    .option('--name <name>', 'prefix of every resource (default: this directory, in kebab-case)')
    .option('--region <region>', 'home region of the secret (default: AWS_REGION or us-east-1)')
    .option('--origin <origin>', 'create a distribution in front of this origin: a host name, or s3://bucket.region')
    .option('--distribution-id <id>', 'protect an existing distribution instead (attach mode)')
    .option('--users <names>', 'comma-separated usernames (default: admin)')
    .option('--days <n>', 'rotate every N days (default 30)')
    .option('--schedule <expression>', 'or rotate on a schedule: rate(7 days), cron(...)')
    .option('--state-bucket <bucket>', 'keep the Terraform state in this S3 bucket (default: a local file)')
    .option('--state-region <region>', 'region of that bucket (default: the home region)')
    .option('--config <file>', 'where to write', 'basicauth.config.json')
    .option('--force', 'overwrite an existing file')
    .option('-y, --yes', 'take the defaults for whatever is not given, ask nothing')
    .option('--json', 'print the written config as JSON')
    .addHelpText('after', '\nExamples:\n  $ basicauth init\n  $ basicauth init --yes --name staging --region eu-west-1 --origin app.example.com')
    .action(async (flags: InitFlags) => {
      const path = resolve(flags.config);
      if (existsSync(path) && !flags.force) throw new CliError(`${flags.config} already exists`, { hint: 'pass --force to overwrite it' });
      const { parseConfig } = await import('../config.js');
      const interactive = ctx.stdinIsTTY() && !flags.yes && !flags.json;
      const ask = interactive ? await ctx.prompter() : undefined;
      const answer = async (question: string, given: string | undefined, fallback: string | undefined, required = false): Promise<string | undefined> => {
        if (given !== undefined) return given;
        if (ask) {
          const value = (await ask(question, fallback)).trim();
          return value || fallback;
        }
        if (required && fallback === undefined) throw new UsageError(`init needs ${question.toLowerCase()}`, 'pass it as a flag (see basicauth init --help), or run init in a terminal to be asked');
        return fallback;
      };
      const dirName = basename(process.cwd()).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+|-+$/g, '') || 'site';
      const name = await answer('Name (prefix of the AWS resources)', flags.name, dirName.slice(0, 32));
      const region = await answer('Home region', flags.region, ctx.env.AWS_REGION || 'us-east-1');
      let distribution: Record<string, unknown>;
      const distributionId = flags.distributionId ?? (flags.origin ? undefined : await answer('Existing distribution id to protect (empty to create one)', undefined, ''));
      if (distributionId) {
        distribution = { mode: 'attach', distributionId };
      } else {
        const origin = await answer('Origin to protect (host name, or s3://bucket.region)', flags.origin, undefined, true);
        const s3 = /^s3:\/\/([^./]+(?:[.][^./]+)*?)\.([a-z]{2}-[a-z]+-\d)\/?$/.exec(origin ?? '');
        distribution = s3 ? { mode: 'create', origin: { type: 's3', bucket: s3[1], bucketRegion: s3[2] } } : { mode: 'create', origin: { type: 'custom', domainName: origin } };
      }
      const users = (await answer('Usernames (comma-separated)', flags.users, 'admin'))!.split(',').map((u) => u.trim()).filter(Boolean);
      const every = flags.schedule ?? (await answer('Rotate every N days', flags.days, '30'));
      const draft = {
        $schema: './node_modules/basicauth/cli/config.schema.json',
        name,
        region,
        secret: { usernames: users },
        rotation: /^\d+$/.test(every ?? '') ? { days: Number(every) } : { schedule: every },
        distribution,
        backend: flags.stateBucket ? { type: 's3', bucket: flags.stateBucket, key: `basicauth/${name}.tfstate`, region: flags.stateRegion ?? region } : { type: 'local', path: '.basicauth/terraform.tfstate' },
      };
      parseConfig(draft, 'the answers'); // refuse to write what would not load
      await writeFile(path, `${JSON.stringify(draft, null, 2)}\n`);
      if (flags.json) return ctx.printJson(draft);
      ctx.print(`Wrote ${flags.config}. Next: npx basicauth synth (offline), then npx basicauth deploy.`);
    });
}
