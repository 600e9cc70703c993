import { describe, expect, it } from 'vitest';
import { formatFunctionLine } from '../../../cli/ui/function-log.js';

describe('function log lines in basicauth dev', () => {
  it('shows our structured lines as one short line, warnings marked, objects and tokens left out', () => {
    const line = JSON.stringify({
      level: 'info',
      source: 'basicauth-rotate',
      message: 'step.done',
      step: 'createSecret',
      token: 'f7e4676d-8501',
      users: 1,
      initial: true,
      previous: null,
    });
    expect(formatFunctionLine('rotate:$LATEST#1', line, 200)).toBe(
      '[rotate:$LATEST#1] step.done createSecret users=1 initial=true',
    );
    const warn = JSON.stringify({
      level: 'warn',
      source: 'basicauth-edge',
      event: 'secret.fetch-failed',
      cause: 'miss',
      ms: 12,
      error: 'Timeout',
    });
    expect(formatFunctionLine('edge:1#2', warn, 200)).toBe(
      '[edge:1#2] warn: secret.fetch-failed cause=miss ms=12 error=Timeout',
    );
  });

  it('keeps other lines as they came, and cuts to the terminal width', () => {
    expect(formatFunctionLine('fn:1#1', 'plain text {not json', 200)).toBe('[fn:1#1] plain text {not json');
    const long = formatFunctionLine('fn:1#1', 'x'.repeat(300), 80);
    expect(long).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
    expect(formatFunctionLine('fn:1#1', 'x'.repeat(300), undefined)).toHaveLength(309);
  });
});
