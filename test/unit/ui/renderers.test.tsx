import { PassThrough } from 'node:stream';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { OpEvent } from '../../../cli/core/events.js';
import { Progress } from '../../../cli/ui/ink-progress.js';
import { plainRenderer } from '../../../cli/ui/plain.js';

const EVENTS: OpEvent[] = [
  { type: 'step.start', id: 'version', title: 'publish a new function version' },
  { type: 'step.done', id: 'version', detail: 'version 4' },
  { type: 'step.start', id: 'repoint', title: 'point the distribution at version 4' },
  { type: 'log', level: 'warn', message: 'the config changed underneath; retrying' },
  { type: 'step.done', id: 'repoint', detail: '2 behavior(s)' },
  { type: 'step.start', id: 'deploy', title: 'wait until the distribution is Deployed' },
  { type: 'step.fail', id: 'deploy', error: 'timed out' },
];

// Durations and ANSI codes vary; what a user reads does not.
const normalize = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\(\d+(\.\d+)?m?s\)/g, '(<t>)');

describe('plain renderer', () => {
  it('prints one line per finished step and per log, no spinner, no colour off a TTY', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c) => (text += c));
    let clock = 0;
    const emit = plainRenderer(stream, () => (clock += 7));
    for (const event of EVENTS) emit(event);
    expect(normalize(text)).toMatchInlineSnapshot(`
      "✔ publish a new function version version 4 (<t>)
      warning: the config changed underneath; retrying
      ✔ point the distribution at version 4 2 behavior(s) (<t>)
      ✖ wait until the distribution is Deployed failed
      "
    `);
    expect(text).not.toMatch(/\u001b/);
  });
});

describe('ink progress view', () => {
  it('shows a spinner on the running step and marks finished ones', async () => {
    const listeners: Array<(e: OpEvent) => void> = [];
    const view = render(<Progress subscribe={(l) => void listeners.push(l)} />);
    const emit = async (e: OpEvent) => {
      for (const l of listeners) l(e);
      await new Promise((r) => setTimeout(r, 20));
    };
    await emit(EVENTS[0]!);
    expect(view.lastFrame()).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] publish a new function version$/m);
    for (const e of EVENTS.slice(1)) await emit(e);
    const frame = normalize(view.lastFrame() ?? '');
    expect(frame).toContain('✔ publish a new function version version 4 (<t>)');
    expect(frame).toContain('✔ point the distribution at version 4 2 behavior(s) (<t>)');
    expect(frame).toContain('✖ wait until the distribution is Deployed timed out (<t>)');
    expect(frame).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    view.unmount();
  });
});
