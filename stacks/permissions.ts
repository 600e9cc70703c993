// What each command calls on AWS, per edge engine: the one list the team
// policies are checked against (test/unit/stacks/permissions.test.ts) and the
// README's per-command table is printed from (`npm run permissions`). What
// depends on the engine is the engine's own (stacks/engines/<name>.ts `needs`).
//
// Lambda@Edge association: CloudFront calls Lambda's replication actions with
// the caller's permissions, so whoever changes an association needs them; AWS
// documents `lambda:EnableReplication*` and `lambda:DisableReplication*` and
// says the trailing asterisk is required (CloudFront Developer Guide, "Set up
// IAM permissions and roles for Lambda@Edge").

import { EDGE_ENGINES, STACK_ENGINES, type EdgeEngineName } from './engines/index.js';
import type { EngineCommand } from './engines/types.js';
import { need, readLogs, readSecret, type Need, type Team } from './needs.js';

export type { Need, Resource, Team } from './needs.js';
export type Engine = EdgeEngineName;

interface CommandPermissions {
  team: Team;
  needs: (engine: Engine) => Need[];
}

/** A command every engine runs the same way. */
const same = (team: Team, needs: Need[]): CommandPermissions => ({ team, needs: () => needs });
/** A command with a part of its own on each engine; not used where the engine says undefined. */
const perEngine = (team: Team, command: EngineCommand, shared: Need[] = []): CommandPermissions => ({
  team,
  needs: (engine) => {
    const own = STACK_ENGINES[engine].needs[command];
    return own === undefined ? [] : [...shared, ...own];
  },
});

export const COMMAND_PERMISSIONS: Record<string, CommandPermissions> = {
  'show-creds': same('readers', readSecret),
  verify: same('readers', readSecret),
  'users list': same('readers', readSecret),
  // and whether the edge's log groups have a retention
  status: perEngine('readers', 'status', [
    ...readSecret,
    ...need('secret', 'secretsmanager:ListSecretVersionIds'),
    ...need('log-groups', 'logs:DescribeLogGroups'),
  ]),
  logs: same('readers', readLogs),
  'logs --retention': same('operators', [
    ...need('log-groups', 'logs:DescribeLogGroups'),
    ...need('log-group', 'logs:PutRetentionPolicy'),
  ]),
  'rotate --now': perEngine('operators', 'rotate --now', [
    ...readSecret,
    ...need(
      'secret',
      'secretsmanager:ListSecretVersionIds',
      'secretsmanager:RotateSecret',
      'secretsmanager:UpdateSecretVersionStage',
    ),
  ]),
  'users add/remove': perEngine('operators', 'users add/remove', [
    ...readSecret,
    ...need('secret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'),
    ...need('*', 'secretsmanager:GetRandomPassword'),
  ]),
  // "last seen" comes from the edge's decision lines
  'tokens list': same('readers', [...readSecret, ...readLogs]),
  // the same writes as users add/remove (a token's value is drawn locally), and the same publishing
  'tokens create/revoke/rotate': perEngine('operators', 'users add/remove', [
    ...readSecret,
    ...need('secret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'),
  ]),
  sync: perEngine('operators', 'sync'),
  publish: perEngine('operators', 'publish'),
  attach: perEngine('operators', 'attach'),
  detach: perEngine('operators', 'detach'),
};

/** Which team policy grants an action basicauth's commands need: readers where a readers command needs it. */
export function policyGranting(action: string): Team | undefined {
  const commands = Object.values(COMMAND_PERMISSIONS);
  const needs = (team: Team) =>
    commands.some(
      (c) => c.team === team && EDGE_ENGINES.some((engine) => c.needs(engine).some((n) => n.action === action)),
    );
  return needs('readers') ? 'readers' : needs('operators') ? 'operators' : undefined;
}

/** The README's table: per command, the actions it needs on each engine. */
export function permissionsTable(): string {
  const cell = (needs: Need[]) =>
    needs.length === 0 ? 'not used' : [...new Set(needs.map((n) => `\`${n.action}\``))].join(', ');
  const rows = [
    ['command', 'policy', ...EDGE_ENGINES.map((e) => `${e} engine`)],
    ...Object.entries(COMMAND_PERMISSIONS).map(([command, p]) => [
      `\`${command}\``,
      p.team,
      ...EDGE_ENGINES.map((e) => cell(p.needs(e))),
    ]),
  ];
  // padded as the repository's formatter (biome) lays Markdown tables out
  const widths = (rows[0] as string[]).map((_, column) =>
    Math.max(3, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: string[]) => `| ${cells.map((c, column) => c.padEnd(widths[column] as number)).join(' | ')} |`;
  return [line(rows[0] as string[]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
