import type { Command } from 'commander';
import { CliError, UsageError } from '../core/errors.js';
import type { CommandContext } from '../core/context.js';
import { addTargetOptions, confirmChange, type TargetOptions, jsonOption } from './options.js';
import { again } from '../core/next-steps.js';
import { formatWhen } from '../ui/dates.js';

interface RotateFlags extends TargetOptions {
  now?: boolean;
  wait: boolean;
  timeout: string;
  recover?: boolean;
  verify?: string;
  schedule?: string;
  days?: string;
  yes?: boolean;
  json?: boolean;
}

export function registerRotate(program: Command, ctx: CommandContext): void {
  const command = program
    .command('rotate')
    .description('rotate the password now (--now), or change the rotation schedule')
    .option('--now', 'start a rotation and follow it to its end')
    .option('--no-wait', 'with --now: return as soon as the rotation has started')
    .option('--timeout <duration>', 'with --now: how long to follow the rotation', '2m')
    .option('--recover', 'with --now: clear a rotation that never finished, then rotate')
    .option('--verify <url>', 'with --now: run `basicauth verify <url>` afterwards')
    .option('--schedule <expression>', 'rotate on this schedule: "rate(30 days)", "rate(12 hours)" or "cron(...)"')
    .option('--days <n>', 'rotate every N days')
    .option('-y, --yes', 'with --now: rotate without asking (needed without a terminal)')
    .addOption(jsonOption());
  addTargetOptions(command);
  command.addHelpText(
    'after',
    '\nExamples:\n  $ basicauth rotate --now --local\n  $ basicauth rotate --now --yes --verify https://staging.example.com/\n  $ basicauth rotate --schedule "rate(7 days)"',
  );
  command.action(async (flags: RotateFlags) => {
    const scheduling = flags.schedule !== undefined || flags.days !== undefined;
    if (flags.now === undefined && !scheduling)
      throw new UsageError(
        'say what to do: --now to rotate, or --schedule/--days to change the schedule',
        again('rotate --now'),
      );
    if (flags.now && scheduling)
      throw new UsageError('--now and --schedule/--days do different things: run them one at a time');
    if (flags.schedule && flags.days) throw new UsageError('pass --schedule or --days, not both');
    const [
      { resolveTarget },
      rotate,
      { parseDuration },
      { parseRotationSchedule, ScheduleError, describeRotationRules },
    ] = await Promise.all([
      import('../project/target.js'),
      import('../ops/rotate.js'),
      import('../ops/verify.js'),
      import('../../handlers/shared/schedule.js'),
    ]);
    // every argument is checked before anything is read or changed
    let rules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string } | undefined;
    if (scheduling) {
      const flag = flags.days !== undefined ? '--days' : '--schedule';
      const text = (flags.days ?? flags.schedule) as string;
      if (flag === '--days' && !/^\d+$/.test(text))
        throw new UsageError(`--days ${text} is not a whole number of days`, 'for instance --days 30');
      if (flag === '--schedule' && /^\d+$/.test(text))
        throw new UsageError(`--schedule ${text}: a number of days goes to --days`, again(`rotate --days ${text}`));
      try {
        rules = parseRotationSchedule(text);
      } catch (error) {
        if (error instanceof ScheduleError)
          throw new UsageError(`${flag}: ${error.message}`, 'for instance --days 30 or --schedule "rate(12 hours)"');
        throw error;
      }
    }
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const target = await resolveTarget(flags, ctx.env);
    const sm = await target.clients.secretsManager();
    if (flags.now)
      await confirmChange(ctx, flags.yes, {
        doing: `rotate --now replaces the password of every user of ${target.secretId}: whoever uses the current one needs the new one (show-creds)`,
        question: 'Rotate now?',
      });

    if (rules) {
      // The config that deploys the secret owns its schedule: check the new one against its window, set it, write it there.
      let window: string | undefined;
      if (target.configFile) {
        const [{ loadConfig }, { checkRotationRules, ScheduleError }] = await Promise.all([
          import('../project/config.js'),
          import('../../handlers/shared/schedule.js'),
        ]);
        window = (await loadConfig(target.configFile)).rotation.window;
        try {
          checkRotationRules({ ...rules, Duration: window });
        } catch (error) {
          if (error instanceof ScheduleError)
            throw new UsageError(
              `${flags.days !== undefined ? '--days' : '--schedule'}: ${error.message} (rotation.window in ${target.configFile})`,
              'pick a schedule that fits the window, or change rotation.window first',
            );
          throw error;
        }
      }
      const result = await rotate.setSchedule(sm, target.secretId, {
        ...rules,
        ...(window ? { Duration: window } : {}),
      });
      if (target.configFile) await rotate.writeScheduleToConfig(target.configFile, rules);
      const owned = target.configFile ? { ...result, configFile: target.configFile } : result;
      if (flags.json) return ctx.printJson(owned);
      ctx.print(
        `Rotation schedule of ${result.secretId}: ${describeRotationRules(rules)}; next rotation ${result.nextRotation ? formatWhen(result.nextRotation) : 'not scheduled'}`,
      );
      return ctx.print(
        target.configFile
          ? `${target.configFile} now says the same; deploy keeps it and never rotates because of it.`
          : 'If a basicauth.config.json deploys this secret, set rotation there too: the next deploy applies what the config says.',
      );
    }

    const result = await rotate.rotateNow(
      sm,
      {
        secretId: target.secretId,
        wait: flags.wait,
        timeoutMs,
        recover: Boolean(flags.recover),
        pollMs: target.local ? 100 : 2000,
        ...(target.rotationProbe ? { probe: target.rotationProbe } : {}),
      },
      await ctx.progress({ json: flags.json }),
    );
    // The edge accepts the new password once the engine says so (the CloudFront Functions engine: its digests are in the store).
    const atEdge =
      result.status === 'rotated' && result.versionId
        ? await (await import('../engines/index.js')).ENGINES[target.engine].afterRotation(
            target,
            { secretId: result.secretId, versionId: result.versionId, durationMs: result.durationMs ?? 0 },
            { timeoutMs },
            await ctx.progress({ json: flags.json }),
          )
        : undefined;
    let verification: unknown;
    if (flags.verify) {
      const { runVerify } = await import('../ops/verify-run.js');
      verification = await runVerify(
        flags.verify,
        { ...flags, expect: '200', followRedirects: false, wait: '30s' },
        ctx,
        { quiet: Boolean(flags.json), target },
      );
    }
    if (flags.json)
      return ctx.printJson({
        ...result,
        ...atEdge?.data,
        ...(verification === undefined ? {} : { verify: verification }),
      });
    ctx.print(
      atEdge
        ? atEdge.text
        : `Started the rotation of ${result.secretId} (version ${result.versionId}); follow it with \`${again('status')}\`.`,
    );
    if (verification && !(verification as { ok: boolean }).ok)
      throw new CliError('the site failed verification after the rotation');
  });
}
