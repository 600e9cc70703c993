// Ctrl-C (SIGINT, or SIGTERM) while a command works. As terraform does: a
// child that can stop cleanly (terraform itself) is asked to, and waited for;
// a second Ctrl-C forces it. Otherwise the command stops at once and says what
// was done, what was under way (it may or may not have taken effect) and what
// to run next: the steps come from the command's own progress events.

import type { OpEvent } from './events.js';

/** A child that stops on request: called with 1 for the first interrupt, 2 for the next. */
export type Stopper = (count: number) => void;

const stoppers = new Set<Stopper>();
const done: string[] = [];
const running = new Map<string, string>();
const notes: string[] = [];
let count = 0;

/** Follows the command's steps (main.ts passes every progress event through here). */
export function recordStep(event: OpEvent): void {
  if (event.type === 'step.start') running.set(event.id, event.title);
  else if (event.type === 'step.done' || event.type === 'step.fail') {
    const title = running.get(event.id);
    running.delete(event.id);
    if (title && event.type === 'step.done') done.push(event.detail ? `${title} (${event.detail})` : title);
  }
}

/** While `stop` is registered, an interrupt goes to it instead of ending the command. Returns the unregistration. */
export function whileRunning(stop: Stopper): () => void {
  stoppers.add(stop);
  if (count > 0) stop(count); // interrupted before it started: stop it at once
  return () => void stoppers.delete(stop);
}

/** A fact the report must carry if the command is interrupted from now on (a rotation AWS goes on with). */
export function noteIfInterrupted(text: string): void {
  notes.push(text);
}

/** The report of an interrupted command: what was done, what was under way, what to run next. */
export function interruptReport(command: string, next: string): string {
  const lines = [`interrupted: ${command} stopped`];
  if (done.length) lines.push(`  done: ${done.join('; ')}`);
  if (running.size)
    lines.push(`  under way (it may or may not have taken effect): ${[...running.values()].join('; ')}`);
  if (!done.length && !running.size) lines.push('  nothing had been changed yet');
  for (const note of notes) lines.push(`  ${note}`);
  lines.push(`  next: ${next}`);
  return lines.join('\n');
}

/**
 * Installs the handler for one command run. `stopNow` ends the process with
 * the report (exit 130) when no child is there to stop cleanly.
 */
export function installInterruptHandler(stopNow: () => void): () => void {
  const handler = () => {
    count++;
    if (stoppers.size > 0) for (const stop of stoppers) stop(count);
    else stopNow();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
