import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { engineOption, jsonOption } from './options.js';
import { CliError, UsageError } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import { parseRotationSchedule, ScheduleError } from '../../handlers/shared/schedule.js';
import { PRICE_CLASS_REACH, type PriceClass, priceClassFor } from '../../stacks/price-class.js';
import { REGION_PATTERN, RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE } from '../../handlers/shared/patterns.js';
import { usernameProblem } from '../../handlers/shared/usernames.js';
import { again } from '../core/next-steps.js';
import {
  DEFAULT_ENGINE,
  EDGE_ENGINES,
  engineChoices,
  STACK_ENGINES,
  type EdgeEngineName,
} from '../../stacks/engines/index.js';

interface InitFlags {
  name?: string;
  region?: string;
  origin?: string;
  distributionId?: string;
  engine?: EdgeEngineName;
  users?: string;
  days?: string;
  schedule?: string;
  stateBucket?: string;
  stateRegion?: string;
  config: string;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
  /** false with --no-noindex */
  noindex?: boolean;
}

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write basicauth.config.json: asks in a terminal, takes flags otherwise')
    .option('--name <name>', 'prefix of every resource (default: this directory, in kebab-case)')
    .option('--region <region>', 'home region of the secret (default: AWS_REGION or us-east-1)')
    .option('--origin <origin>', 'create a distribution in front of this origin: a host name, or s3://bucket.region')
    .option('--distribution-id <id>', 'protect an existing distribution instead (attach mode)')
    .option(
      '--no-noindex',
      'attach mode: do not add X-Robots-Tag: noindex to its answers (a distribution basicauth creates: distribution.noindex false)',
    )
    .addOption(engineOption('lambda-edge'))
    .option('--users <names>', 'comma-separated usernames (default: admin)')
    .option('--days <n>', 'rotate every N days (default: 30)')
    .option('--schedule <expression>', 'or rotate on a schedule: rate(7 days), cron(...)')
    .option('--state-bucket <bucket>', 'keep the Terraform state in this S3 bucket (default: a local file)')
    .option('--state-region <region>', 'region of that bucket (default: the home region)')
    .option('--config <file>', 'where to write', 'basicauth.config.json')
    .option('--force', 'overwrite an existing file')
    .option('-y, --yes', 'take the defaults for whatever is not given, ask nothing')
    .addOption(jsonOption('the written config'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ basicauth init\n  $ basicauth init --yes --name staging --region eu-west-1 --origin app.example.com',
    )
    .action(async (flags: InitFlags) => {
      if (flags.engine !== undefined && !STACK_ENGINES[flags.engine].attachable && flags.distributionId !== undefined) {
        const attaching = EDGE_ENGINES.filter((name) => STACK_ENGINES[name].attachable).join(' or --engine ');
        throw new UsageError(
          `--engine ${flags.engine} creates its own distribution: it cannot attach to --distribution-id`,
          `pass --origin instead, or --engine ${attaching} to attach`,
        );
      }
      const path = resolve(flags.config);
      if (existsSync(path) && !flags.force)
        throw new CliError(`${flags.config} already exists`, { hint: 'pass --force to overwrite it' });
      const { parseConfig } = await import('../project/config.js');
      const interactive = ctx.stdinIsTTY() && !flags.yes && !flags.json;
      const ask = interactive ? await ctx.prompter() : undefined;
      /**
       * One setting: a flag wins; in a terminal each answer is checked as it is
       * given and asked again when it is wrong (nothing typed is lost); without
       * a terminal a wrong flag is a usage error naming it.
       */
      const answer = async <T>(
        question: string,
        flag: string,
        given: string | undefined,
        fallback: string | undefined,
        check: (value: string) => T,
      ): Promise<T> => {
        const attempt = (value: string | undefined): T => {
          if (value === undefined)
            throw new UsageError(
              `init needs ${question.toLowerCase()}`,
              `pass ${flag} (see basicauth init --help), or run init in a terminal to be asked`,
            );
          return check(value);
        };
        if (given !== undefined || !ask) {
          try {
            return attempt(given ?? fallback);
          } catch (error) {
            if (error instanceof InitAnswerError)
              throw new UsageError(`${flag} ${JSON.stringify(given ?? fallback)}: ${error.message}`, error.hint);
            throw error;
          }
        }
        for (;;) {
          const typed = (await ask(question, fallback)).trim();
          try {
            return attempt(typed || fallback);
          } catch (error) {
            if (!(error instanceof InitAnswerError) && !(error instanceof UsageError)) throw error;
            ctx.log(
              `  ${error.message}${error instanceof InitAnswerError && error.hint ? ` (${error.hint})` : ''}: try again`,
            );
          }
        }
      };
      const dirName =
        basename(process.cwd())
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^[^a-z]+|-+$/g, '') || 'site';
      const name = await answer(
        'Name (prefix of the AWS resources)',
        '--name',
        flags.name,
        dirName.slice(0, 32) || undefined,
        checkName,
      );
      const region = await answer(
        'Home region',
        '--region',
        flags.region,
        ctx.env.AWS_REGION || 'us-east-1',
        checkRegion,
      );
      let distribution: Record<string, unknown>;
      const distributionId =
        flags.distributionId !== undefined || !flags.origin
          ? await answer(
              'Existing distribution id to protect (empty to create one)',
              '--distribution-id',
              flags.distributionId,
              '',
              checkDistributionId,
            )
          : '';
      if (distributionId) {
        // the distribution is the user's: its answers change only when they agree
        const noindex = await answer(
          'Keep it out of search engines: add X-Robots-Tag: noindex, nofollow to every protected answer? (Y/n)',
          '--no-noindex',
          flags.noindex === false ? 'n' : undefined,
          'y',
          checkYesNo,
        );
        distribution = { mode: 'attach', distributionId, noindex };
      } else {
        const origin = await answer(
          'Origin to protect (https://host, host name, or s3://bucket.region)',
          '--origin',
          flags.origin,
          undefined,
          parseOriginAnswer,
        );
        // the cheapest price class whose edge locations include the home region's part of the world
        distribution = {
          mode: 'create',
          origin,
          priceClass: priceClassFor(region),
          ...(flags.noindex === false ? { noindex: false } : {}),
        };
      }
      // only a distribution basicauth creates can run the CloudFront function; attaching is Lambda@Edge's
      const engine =
        flags.engine ??
        (ask && !distributionId
          ? await answer(`Edge engine: ${engineChoices()}`, '--engine', undefined, DEFAULT_ENGINE, checkEngine)
          : undefined);
      const users = await answer('Usernames (comma-separated)', '--users', flags.users, 'admin', checkUsers);
      const rotation =
        flags.schedule !== undefined
          ? await answer('Rotation schedule', '--schedule', flags.schedule, undefined, checkSchedule)
          : await answer('Rotate every N days', '--days', flags.days, '30', checkSchedule);
      const draft = {
        $schema: './node_modules/basicauth/cli/config.schema.json',
        name,
        region,
        secret: { usernames: users },
        rotation,
        ...(engine ? { edge: { engine } } : {}),
        distribution,
        backend: flags.stateBucket
          ? {
              type: 's3',
              bucket: flags.stateBucket,
              key: `basicauth/${name}.tfstate`,
              region: flags.stateRegion ?? region,
            }
          : { type: 'local', path: '.basicauth/terraform.tfstate' },
      };
      parseConfig(draft, 'the answers'); // refuse to write what would not load
      await writeFile(path, `${JSON.stringify(draft, null, 2)}\n`);
      if (flags.json) return ctx.printJson(draft);
      if ((distribution.origin as { domainName?: string } | undefined)?.domainName === 'localhost') {
        ctx.print(
          'The origin is localhost: this machine only. It serves `deploy --local`; give distribution.origin a public host name before deploying to AWS.',
        );
      }
      if (distribution.mode === 'create') {
        const priceClass = distribution.priceClass as PriceClass;
        ctx.print(
          `Price class ${priceClass}: CloudFront serves from ${PRICE_CLASS_REACH[priceClass]}, the cheapest class that covers ${region}; change distribution.priceClass to serve more or pay less.`,
        );
      }
      ctx.print(`Wrote ${flags.config}. Next: npx ${again('synth')} (offline), then npx ${again('deploy')}.`);
    });
}

/** A wrong answer: what is wrong, and what would do. */
class InitAnswerError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function checkYesNo(value: string): boolean {
  if (/^(y|yes)$/i.test(value)) return true;
  if (/^(n|no)$/i.test(value)) return false;
  throw new InitAnswerError('is not yes or no', 'answer y or n');
}

function checkEngine(value: string): EdgeEngineName {
  const engine = EDGE_ENGINES.find((name) => name === value);
  if (engine) return engine;
  throw new InitAnswerError(`the engine is ${EDGE_ENGINES.join(' or ')}`, 'type one of the names');
}

function checkName(value: string): string {
  if (!RESOURCE_NAME_PATTERN.test(value))
    throw new InitAnswerError(`is not ${RESOURCE_NAME_RULE}`, 'for instance staging');
  return value;
}

function checkRegion(value: string): string {
  if (!REGION_PATTERN.test(value)) throw new InitAnswerError('is not an AWS region', 'for instance eu-west-1');
  return value;
}

function checkDistributionId(value: string): string {
  if (value !== '' && !/^E[A-Z0-9]{5,}$/.test(value))
    throw new InitAnswerError(
      'is not a CloudFront distribution id',
      'it looks like E2QWRUHAPOMQZL; leave it empty to create a distribution',
    );
  return value;
}

/** What people paste: a host, a URL (https://app.example.com/, http://host:8080), or s3://bucket.region. */
export function parseOriginAnswer(value: string): Record<string, unknown> {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.([a-z]{2}-[a-z]+-\d)\/?$/.exec(value);
  if (s3) return { type: 's3', bucket: s3[1], bucketRegion: s3[2] };
  if (/^s3:/i.test(value))
    throw new InitAnswerError('is not an S3 origin', 'write it as s3://bucket.region, e.g. s3://my-site.eu-west-1');
  const asUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(asUrl);
  } catch {
    throw new InitAnswerError('is not a host name or URL', 'for instance app.example.com or https://app.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InitAnswerError(`uses ${url.protocol}//: CloudFront reaches origins over https or http`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username)
    throw new InitAnswerError(
      'has a path, query or credentials: the origin is a host',
      `use ${url.protocol}//${url.host}`,
    );
  // localhost: an app on this machine, for `deploy --local` (CloudFront itself needs a public name)
  if (!/^[a-z0-9.-]+$/i.test(url.hostname) || (!url.hostname.includes('.') && url.hostname !== 'localhost'))
    throw new InitAnswerError('is not a public host name', 'for instance app.example.com');
  const port = url.port ? Number(url.port) : undefined;
  return url.protocol === 'http:'
    ? { type: 'custom', domainName: url.hostname, protocol: 'http-only', ...(port ? { httpPort: port } : {}) }
    : { type: 'custom', domainName: url.hostname, ...(port ? { httpsPort: port } : {}) };
}

function checkUsers(value: string): string[] {
  const names = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InitAnswerError('names no user', 'for instance admin or alice,bob');
  for (const name of names) {
    const problem = usernameProblem(name);
    if (problem) throw new InitAnswerError(`"${name}" ${problem}`);
  }
  return names;
}

function checkSchedule(value: string): Record<string, unknown> {
  try {
    const rules = parseRotationSchedule(value);
    return 'AutomaticallyAfterDays' in rules
      ? { days: rules.AutomaticallyAfterDays }
      : { schedule: rules.ScheduleExpression };
  } catch (error) {
    if (error instanceof ScheduleError) throw new InitAnswerError(error.message);
    throw error;
  }
}
