import type { Status } from '../ops/status.js';
import type { Style } from './plain.js';

const day = (iso: string | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '—');

export function statusText(s: Status, style: Style): string {
  const lines = [
    style.bold('Secret'),
    `  ${s.secret.name}  ${style.dim(s.secret.arn)}`,
    `  rotation      ${s.secret.rotationEnabled ? style.green('on') : style.yellow('off')}${s.secret.schedule ? `, ${s.secret.schedule}` : ''}${s.secret.rotationFunction ? style.dim(` by ${s.secret.rotationFunction.split(':').pop()}`) : ''}`,
    `  last rotated  ${day(s.secret.lastRotated)}`,
    `  next          ${day(s.secret.nextRotation)}`,
    '  versions',
    ...s.secret.versions.map((v) => `    ${v.versionId}  ${v.stages.join(', ').padEnd(24)} ${style.dim(day(v.created))}`),
    ...(s.secret.replicas.length ? ['  replicas', ...s.secret.replicas.map((r) => `    ${r.region.padEnd(16)} ${r.status ?? 'unknown'}`)] : []),
  ];
  if (s.edge) {
    lines.push(
      '',
      style.bold('Edge'),
      `  function      ${s.edge.functionArn}  latest version ${s.edge.latestVersion ?? '—'}`,
      `  distribution  ${s.edge.distributionId}  ${s.edge.domainName ?? ''}  ${s.edge.status === 'Deployed' ? style.green('Deployed') : style.yellow(s.edge.status ?? 'unknown')}`,
      ...s.edge.behaviors.map((b) => `    ${b.pathPattern.padEnd(20)} version ${b.version}`),
      ...s.edge.unprotected.map((p) => `    ${p.padEnd(20)} ${style.red('no password check')}`),
    );
  }
  lines.push('');
  if (s.problems.length === 0) lines.push(style.green('No problems found.'));
  for (const p of s.problems) {
    lines.push(`${p.severity === 'error' ? style.red('✖ error') : style.yellow('! warning')}: ${p.message}`, style.dim(`    fix: ${p.fix}`));
  }
  return lines.join('\n');
}
