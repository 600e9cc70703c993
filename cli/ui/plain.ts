// The line renderer for CI logs and pipes (and for now every terminal):
// one line per finished step on stderr, no spinners, colour only on a TTY
// without NO_COLOR (https://no-color.org: set and not empty) or --no-color.

import type { Writable } from 'node:stream';
import type { Emit } from '../core/events.js';

export interface Style {
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  bold(text: string): string;
}

/** No colours: what styleFor gives a pipe (tests and renderers that must not colour). */
export const PLAIN_STYLE: Style = { dim: (t) => t, red: (t) => t, yellow: (t) => t, green: (t) => t, bold: (t) => t };

export function styleFor(stream: Writable & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), bold: wrap(1, 22) };
}

export function plainRenderer(
  stream: Writable & { isTTY?: boolean },
  now: () => number = Date.now,
  env: NodeJS.ProcessEnv = process.env,
): Emit {
  const style = styleFor(stream, env);
  const started = new Map<string, { title: string; at: number }>();
  const line = (text: string) => stream.write(`${text}\n`);
  return (event) => {
    switch (event.type) {
      case 'step.start':
        started.set(event.id, { title: event.title, at: now() });
        return;
      case 'step.done': {
        const step = started.get(event.id);
        const ms = step ? now() - step.at : 0;
        const detail = event.detail ? ` ${style.dim(event.detail)}` : '';
        line(`${style.green('✔')} ${step?.title ?? event.id}${detail} ${style.dim(`(${formatDuration(ms)})`)}`);
        return;
      }
      case 'step.fail':
        // the error itself is reported once, by whoever handles it
        line(`${style.red('✖')} ${started.get(event.id)?.title ?? event.id} failed`);
        return;
      case 'log':
        line(event.level === 'warn' ? `${style.yellow('warning:')} ${event.message}` : event.message);
        return;
    }
  };
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
