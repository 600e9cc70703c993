import type { Command } from 'commander';
import { Option } from 'commander';
import type { CommandContext } from '../core/context.js';
import { addEdgeOptions, addTargetOptions, jsonOption, type TargetOptions } from './options.js';
import { again } from '../core/next-steps.js';

interface LogsFlags extends TargetOptions {
  since: string;
  follow?: boolean;
  json?: boolean;
  decision?: 'allowed' | 'refused' | 'unavailable';
  user?: string;
  summary?: boolean;
  retention?: string;
}

export function registerLogs(program: Command, ctx: CommandContext): void {
  const command = program
    .command('logs')
    .description(
      "the edge's decisions from every region's logs, merged by time; a summary; --retention for every log group",
    )
    .option('--since <duration>', 'how far back (30s, 15m, 1h, 2d)', '1h')
    .option('-f, --follow', 'keep printing new decisions as they arrive, like tail -f (Ctrl-C stops)')
    .addOption(
      new Option('--decision <outcome>', 'only these decisions').choices(['allowed', 'refused', 'unavailable']),
    )
    .option('--user <name>', 'only the decisions about this username')
    .option(
      '--summary',
      'only the summary: decisions by outcome and reason, top refused usernames and addresses, secret fetches',
    )
    .option(
      '--retention <days>',
      `set this retention on every log group of the edge that exists now (e.g. 30d), then stop`,
    )
    .addOption(jsonOption('{ groups, decisions, summary } (with --follow: one JSON line per decision)'));
  addTargetOptions(command);
  addEdgeOptions(command);
  command.addHelpText(
    'after',
    "\nLambda@Edge writes its logs in the region of the edge location that ran it (/aws/lambda/us-east-1.<function>),\nCloudFront Functions in us-east-1 (/aws/cloudfront/function/<function>). New regions' groups appear as traffic\narrives there: run --retention again (or deploy) to give them a retention.\n\nExamples:\n  $ basicauth logs --since 15m --decision refused\n  $ basicauth logs --follow\n  $ basicauth logs --retention 30d",
  );
  command.action(async (flags: LogsFlags) => {
    const [{ resolveTarget, requireEdge }, { ENGINES }, ops, { parseDuration }] = await Promise.all([
      import('../project/target.js'),
      import('../engines/index.js'),
      import('../ops/logs.js'),
      import('../ops/verify.js'),
    ]);
    // usage errors first, before anything is read
    const sinceMs = parseDuration(flags.since, '--since');
    const retention = flags.retention === undefined ? undefined : ops.parseRetention(flags.retention);
    const target = await resolveTarget(flags, ctx.env, { secretOptional: true });
    const { functionName } = requireEdge(target);
    const spec = ENGINES[target.engine].logGroups(functionName);
    const emit = await ctx.progress({ json: flags.json, live: !flags.follow });
    const api = ops.withBackoff(await target.clients.logs(), {
      onRetry: (what, attempt, waitMs) =>
        emit({
          type: 'log',
          level: 'info',
          message: `${what} throttled; trying again in ${waitMs} ms (attempt ${attempt + 1})`,
        }),
    });
    const groups = await ops.findStep(api, spec, emit);

    if (retention !== undefined) {
      const changed = await ops.setRetention(api, groups, retention);
      if (flags.json) return ctx.printJson({ retentionInDays: retention, groups: changed });
      if (!changed.length)
        return ctx.print(
          `No log group ${spec.name} exists yet: the edge has not run anywhere. Run this again once it has (or deploy: it sets it).`,
        );
      for (const g of changed)
        ctx.print(
          `${g.region.padEnd(15)} ${g.name}  ${g.before === retention ? `already ${retention} days` : `${g.before === undefined ? 'never expire' : `${g.before} days`} → ${retention} days`}`,
        );
      return ctx.print(
        `New regions' groups appear as traffic arrives there: run \`${again(`logs --retention ${retention}d`)}\` again later, or deploy.`,
      );
    }

    const startTime = Date.now() - sinceMs;
    const filter = { outcome: flags.decision, user: flags.user };
    const style = ctx.style();
    const { decisionText, summaryText } = await import('../ui/logs.js');
    const show = (entries: import('../ops/logs.js').LogEntry[]) => {
      for (const d of ops.decisionsOf(entries, filter)) {
        if (flags.json)
          ctx.print(JSON.stringify({ ...d.line, time: new Date(d.time).toISOString(), region: d.region }));
        else if (!flags.summary) ctx.print(decisionText(d, style));
      }
    };
    const entries = groups.length ? await ops.readStep(api, groups, { startTime, outcome: flags.decision }, emit) : [];
    if (flags.follow) {
      show(entries);
      const all = [...entries];
      await ops.follow(api, spec, {
        groups,
        since: startTime,
        outcome: flags.decision,
        everyMs: target.local ? 500 : 2000,
        rediscoverMs: target.local ? 2000 : 30_000,
        until: ctx.untilSignal(),
        onEntries: (fresh) => {
          all.push(...fresh);
          show(fresh);
        },
        emit,
      });
      if (!flags.json) ctx.log(summaryText(ops.summarize(ops.decisionsOrFetches(all, filter)), groups, style));
      return;
    }
    const decisions = ops.decisionsOf(entries, filter);
    const summary = ops.summarize(ops.decisionsOrFetches(entries, filter));
    if (flags.json) {
      return ctx.printJson({
        since: new Date(startTime).toISOString(),
        groups,
        decisions: flags.summary
          ? undefined
          : decisions.map((d) => ({
              ...d.line,
              time: new Date(d.time).toISOString(),
              region: d.region,
              stream: d.stream,
            })),
        summary,
      });
    }
    if (!groups.length) {
      ctx.print(
        `No log group ${spec.name} in any of ${spec.regions.length} regions yet: the edge has not logged anything.`,
      );
      return ctx.log(
        '  the edge writes its first lines where it first runs: send a request through the site, then look again',
      );
    }
    if (!flags.summary) for (const d of decisions) ctx.print(decisionText(d, style));
    ctx.print(summaryText(summary, groups, style));
  });
}
