import type { VerifyResult } from '../ops/verify.js';
import type { Style } from './plain.js';

export function verifyTable(result: VerifyResult, style: Style): string {
  const rows = result.checks.map((c) => {
    const mark = c.ok ? style.green('✔') : style.red('✖');
    const status = String(c.status ?? '—').padEnd(4);
    const latency = `${c.latencyMs.toFixed(1)} ms`.padStart(9);
    return `${mark} ${c.name.padEnd(21)} ${status} ${latency}${c.reason ? `  ${c.reason}` : ''}`;
  });
  const verdict = result.ok ? style.green('PASS') : style.red('FAIL');
  const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  return [...rows, `${verdict} ${result.url}${attempts}`].join('\n');
}
