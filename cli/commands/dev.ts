import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { CommandContext } from '../core/context.js';
import { DEFAULT_STATE_DIR } from '../dev/session.js';
import { DEFAULT_ENGINE } from '../../stacks/engines/index.js';
import { engineOption, intIn, originArg, scheduleArg } from './options.js';
import type { RotationRules } from '../../handlers/shared/schedule.js';
import type { EdgeRequestLine } from '../local/edge.js';
import type { EdgeEngineName } from '../../stacks/engines/index.js';

interface DevFlags {
  engine?: EdgeEngineName;
  origin?: string;
  port: number;
  apiPort: number;
  instances: number;
  stateDir: string;
  fresh?: boolean;
  deploySeconds: number;
  functionUpdateMs: number;
  rotateEvery: RotationRules;
  cacheTtl?: number;
  refreshInterval?: number;
  grace?: number;
  json?: boolean;
  quiet?: boolean;
  config?: string;
  faultInjection?: boolean;
  enforceIam?: boolean;
}

export function registerDev(program: Command, ctx: CommandContext): void {
  program
    .command('dev')
    .description('run the whole system on this machine: local AWS endpoints and a protected local edge')
    .addOption(engineOption("the config's edge.engine, else lambda-edge"))
    .option('--origin <url>', 'the site to protect (default: a built-in demo page)', originArg('--origin'))
    .option('--port <port>', 'port of the protected site (0: any free port)', intIn('--port', 0, 65535), 8080)
    .option(
      '--api-port <port>',
      'port of the local AWS endpoints (0: any free port)',
      intIn('--api-port', 0, 65535),
      4599,
    )
    .option('--instances <n>', 'independent edge instances per function version', intIn('--instances', 1, 64), 1)
    .option('--state-dir <dir>', 'where the local cloud keeps its state', DEFAULT_STATE_DIR)
    .option('--fresh', 'discard the saved state first (new secret, new password)')
    .option(
      '--deploy-seconds <s>',
      'how long a distribution change reads InProgress',
      intIn('--deploy-seconds', 0, 3600),
      5,
    )
    .option(
      '--function-update-ms <ms>',
      'how long a new or changed function reads Pending/InProgress, as on AWS',
      intIn('--function-update-ms', 0, 600_000),
      500,
    )
    .addOption(
      new Option('--rotate-every <expr>', 'rotation schedule: days, rate(4 hours) or cron(...)')
        .argParser(scheduleArg('--rotate-every'))
        .default({ AutomaticallyAfterDays: 30 }, '30'),
    )
    .option('--cache-ttl <s>', 'edge cache TTL of the secret (default: 300)', intIn('--cache-ttl', 1, 86_400))
    .option(
      '--refresh-interval <s>',
      'least time between refetches on a failed check (default: 1)',
      intIn('--refresh-interval', 1, 3600),
    )
    .option(
      '--grace <s>',
      'seconds the previous password keeps working after a rotation (default: 0)',
      intIn('--grace', 0, 2_592_000),
    )
    .option(
      '--config <file>',
      'take the edge and password settings from this config (default: basicauth.config.json when present)',
    )
    .addOption(new Option('--json', 'print one JSON line when ready instead of the summary'))
    .option(
      '--enforce-iam',
      "judge calls signed with a role's credentials (BASICAUTH_LOCAL_ROLE, the functions' execution roles) by that role's IAM policies, as AWS does",
    )
    .addOption(
      new Option('--fault-injection', 'accept fault rules on /_local/faults (tests and benchmarks)').hideHelp(),
    )
    .option('--quiet', 'do not log each request and function log line')
    .addHelpText(
      'after',
      '\nThen, in another terminal:\n  $ npx basicauth show-creds --local\n  $ curl -u "$(npx basicauth show-creds --local --format curl)" http://127.0.0.1:8080/',
    )
    .action(async (flags: DevFlags) => {
      const [{ startDev }, { devReadyText }, { formatFunctionLine }] = await Promise.all([
        import('../ops/dev.js'),
        import('../ui/dev-ready.js'),
        import('../ui/function-log.js'),
      ]);
      // The project's own settings, when it has a config: what runs locally is what deploys.
      const { existsSync } = await import('node:fs');
      const configFile = flags.config ?? (existsSync('basicauth.config.json') ? 'basicauth.config.json' : undefined);
      let fromConfig:
        | { edge: Record<string, unknown>; rotationEnvironment: Record<string, string>; engine: EdgeEngineName }
        | undefined;
      if (configFile) {
        const { loadConfig, edgeConfigFor, rotationEnvironment, engineOf } = await import('../project/config.js');
        const config = await loadConfig(configFile);
        const {
          secretId: _s,
          secretRegion: _r,
          replicaRegions: _p,
          regionOverrides: _o,
          ...edge
        } = edgeConfigFor(config);
        const { BASICAUTH_WEBHOOK_SECRET_ARN: _w, ...env } = rotationEnvironment(config); // no notifications from a laptop
        fromConfig = { edge, rotationEnvironment: env, engine: engineOf(config) };
      }
      const style = ctx.style();
      const rotationRules = flags.rotateEvery;
      const session = await startDev(
        {
          stateDir: flags.stateDir,
          engine: flags.engine ?? fromConfig?.engine ?? DEFAULT_ENGINE,
          port: flags.port,
          apiPort: flags.apiPort,
          instances: flags.instances,
          ...(flags.origin ? { origin: flags.origin } : {}),
          fresh: Boolean(flags.fresh),
          deploySeconds: flags.deploySeconds,
          functionUpdateMs: flags.functionUpdateMs,
          rotationRules,
          faultInjection: Boolean(flags.faultInjection),
          enforceIam: Boolean(flags.enforceIam),
          ...(configFile ? { configFile: resolve(configFile) } : {}),
          ...(fromConfig ? { rotationEnvironment: fromConfig.rotationEnvironment } : {}),
          edge: {
            ...fromConfig?.edge,
            ...(flags.cacheTtl !== undefined ? { cacheTtlSeconds: flags.cacheTtl } : {}),
            ...(flags.refreshInterval !== undefined ? { refreshMinIntervalSeconds: flags.refreshInterval } : {}),
            ...(flags.grace !== undefined ? { graceSeconds: flags.grace } : {}),
          },
          ...(flags.quiet
            ? {}
            : {
                // the edge's decision lines say what the request lines below say: they are for `basicauth logs`
                functionLog: (label: string, line: string) => {
                  if (!/"event":"decision"/.test(line))
                    ctx.log(style.dim(formatFunctionLine(label, line, process.stderr.columns)));
                },
                requestLog: (r: EdgeRequestLine) =>
                  ctx.log(
                    `${style.dim(new Date().toISOString().slice(11, 19))} ${r.method} ${r.uri} ${r.status >= 500 ? style.red(String(r.status)) : r.status >= 400 ? style.yellow(String(r.status)) : style.green(String(r.status))} ${style.dim(`${r.ms.toFixed(1)}ms${r.outcome ? ` ${r.outcome}` : ''}${r.instance ? ` ${r.instance}` : ''}`)}`,
                  ),
              }),
        },
        await ctx.progress({ live: false }),
      );
      if (flags.json) {
        const { stop: _stop, ...info } = session;
        ctx.print(JSON.stringify(info));
      } else {
        ctx.print(devReadyText(session, style));
      }
      await ctx.untilSignal();
      ctx.log('stopping…');
      await session.stop();
    });
}
