import type { Status } from '../ops/status.js';
import type { Style } from './plain.js';
import { formatWhen } from './dates.js';
import { again } from '../core/next-steps.js';

const LABEL = 14; // "last rotated" and "distribution" fit, with two spaces

/** One labelled row: the label padded before colours are applied, so columns line up. */
const row = (label: string, value: string) => `  ${label.padEnd(LABEL)}${value}`;

/** Rows of cells, each column as wide as its widest cell (measured without colour codes). */
function table(rows: string[][], indent: string): string[] {
  const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = rows.reduce<number[]>((w, cells) => cells.map((c, i) => Math.max(w[i] ?? 0, visible(c))), []);
  return rows.map(
    (cells) =>
      indent +
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c))))
        .join('  ')
        .trimEnd(),
  );
}

export function statusText(s: Status, style: Style, now = Date.now()): string {
  const lines = [
    style.bold('Secret'),
    row('name', `${s.secret.name}  ${style.dim(s.secret.arn)}`),
    row(
      'rotation',
      `${s.secret.rotationEnabled ? style.green('on') : style.yellow('off')}${s.secret.schedule ? `, ${s.secret.schedule}` : ''}${s.secret.rotationFunction ? style.dim(` by ${s.secret.rotationFunction.split(':').pop()}`) : ''}`,
    ),
    row('last rotated', formatWhen(s.secret.lastRotated, now)),
    row('next', formatWhen(s.secret.nextRotation, now)),
    row('versions', ''),
    ...table(
      s.secret.versions.map((v) => [
        v.versionId,
        v.stages.join(', ') || style.dim('(no label)'),
        style.dim(formatWhen(v.created, now)),
      ]),
      '    ',
    ),
    ...(s.secret.replicas.length
      ? [
          row('replicas', ''),
          ...table(
            s.secret.replicas.map((r) => [r.region, r.status ?? 'unknown']),
            '    ',
          ),
        ]
      : []),
  ].map((line) => line.trimEnd());
  if (s.edge) {
    const store = s.edge.store;
    lines.push(
      '',
      style.bold('Edge'),
      s.edge.engine === 'cloudfront-function'
        ? row('function', `${s.edge.functionArn}  ${style.dim('CloudFront function, LIVE')}`)
        : row('function', `${s.edge.functionArn}  latest version ${s.edge.latestVersion ?? '—'}`),
      ...(store
        ? [
            row(
              'key store',
              `${store.inStep ? style.green('in step') : style.red('out of step')}: digests of ${store.publishedVersion ?? style.red('nothing')}, ${store.users} user${store.users === 1 ? '' : 's'}${store.publishedAt ? style.dim(`, published ${formatWhen(store.publishedAt, now)}`) : ''}`,
            ),
          ]
        : []),
      row(
        'distribution',
        `${s.edge.distributionId}  ${s.edge.domainName ?? ''}  ${s.edge.status === 'Deployed' ? style.green('Deployed') : style.yellow(s.edge.status ?? 'unknown')}`,
      ),
      row('behaviors', '').trimEnd(),
      ...table(
        [
          ...s.edge.behaviors.map((b) => [
            b.pathPattern,
            b.version === 'LIVE' ? 'the function (LIVE)' : `version ${b.version}`,
          ]),
          ...s.edge.unprotected.map((p) => [p, style.red('no password check')]),
        ],
        '    ',
      ),
    );
  }
  if (s.logs) {
    const forever = s.logs.groups.filter((g) => g.retentionInDays === undefined);
    lines.push(
      '',
      style.bold('Logs'),
      row('group', s.logs.name),
      row(
        'regions',
        s.logs.error
          ? style.yellow(`unknown (${s.logs.error})`)
          : s.logs.groups.length
            ? s.logs.groups
                .map(
                  (g) =>
                    `${g.region} ${g.retentionInDays === undefined ? style.yellow('(kept forever)') : style.dim(`(${g.retentionInDays} days)`)}`,
                )
                .join(', ')
            : style.dim("none yet: a region's group appears with its first request"),
      ),
      ...(forever.length
        ? [
            style.dim(
              `    ${forever.length === 1 ? 'one group keeps' : `${forever.length} groups keep`} every line, paid for, forever: ${again('logs --retention 30d')}`,
            ),
          ]
        : []),
    );
  }
  if (s.tokens.length) {
    lines.push(
      '',
      style.bold('Bypass tokens'),
      ...s.tokens.map((t) =>
        row(
          t.name,
          `${t.paths.length ? t.paths.join(', ') : 'every path'}; ${
            t.expires === undefined
              ? 'never expires'
              : t.state === 'expired'
                ? style.red(`expired ${formatWhen(t.expires, now)}`)
                : t.state === 'expiring'
                  ? style.yellow(`expires ${formatWhen(t.expires, now)}`)
                  : `expires ${formatWhen(t.expires, now)}`
          }${t.previousUntil ? style.dim(`; the replaced value works until ${formatWhen(t.previousUntil, now)}`) : ''}`,
        ),
      ),
    );
  }
  lines.push('');
  if (s.problems.length === 0) lines.push(style.green('No problems found.'));
  for (const p of s.problems) {
    lines.push(
      `${p.severity === 'error' ? style.red('✖ error') : style.yellow('! warning')}: ${p.message}`,
      style.dim(`    fix: ${p.fix}`),
    );
  }
  return lines.join('\n');
}
