// One way for operations to wait on AWS: ask, and ask again every `everyMs`
// until the answer says done or the deadline passes, with a progress line
// every `reportEveryMs` so a long wait is never silent.

import type { Emit } from '../core/events.js';

export interface PollOptions<T> {
  /** what is being waited for, for progress lines ("distribution E123 to deploy") */
  what: string;
  check: () => Promise<{ done: true; value: T } | { done: false; state?: string | undefined }>;
  everyMs: number;
  timeoutMs: number;
  emit: Emit;
  reportEveryMs?: number;
  now?: () => number;
  /** the error to throw at the deadline (given the last state seen) */
  onTimeout: (lastState: string | undefined, waitedMs: number) => Error | Promise<Error>;
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<{ value: T; waitedMs: number }> {
  const now = o.now ?? Date.now;
  const started = now();
  let reported = started;
  for (;;) {
    const answer = await o.check();
    if (answer.done) return { value: answer.value, waitedMs: now() - started };
    const waited = now() - started;
    if (waited > o.timeoutMs) throw await o.onTimeout(answer.state, waited);
    if (now() - reported >= (o.reportEveryMs ?? 10_000)) {
      reported = now();
      o.emit({ type: 'log', level: 'info', message: `still waiting for ${o.what}${answer.state ? ` (${answer.state})` : ''} after ${Math.round(waited / 1000)} s` });
    }
    await new Promise((r) => setTimeout(r, o.everyMs));
  }
}
