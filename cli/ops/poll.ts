// One way for operations to wait on AWS: ask, and ask again every `everyMs`
// until the answer says done or the deadline passes, with a progress line
// every `reportEveryMs` so a long wait is never silent.

import { CliError } from '../core/errors.js';
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
      o.emit({
        type: 'log',
        level: 'info',
        message: `still waiting for ${o.what}${answer.state ? ` (${answer.state})` : ''} after ${Math.round(waited / 1000)} s`,
      });
    }
    await new Promise((r) => setTimeout(r, o.everyMs));
  }
}

/**
 * Until CloudFront says a distribution is Deployed (its last change reached every edge location): the one
 * waiter of deploy and publish. A step of its own; on timeout, an error whose fix is `hint`.
 */
export async function waitDistributionDeployed(
  cf: import('@aws-sdk/client-cloudfront').CloudFrontClient,
  distributionId: string,
  o: { title: string; everyMs: number; timeoutMs: number; emit: Emit; hint: string; now?: () => number },
): Promise<{ waitedMs: number }> {
  const { GetDistributionCommand } = await import('@aws-sdk/client-cloudfront');
  o.emit({ type: 'step.start', id: 'deployed', title: o.title });
  const { waitedMs } = await pollUntil({
    what: `distribution ${distributionId} to deploy`,
    check: async () => {
      const status = (await cf.send(new GetDistributionCommand({ Id: distributionId }))).Distribution?.Status;
      return status === 'Deployed' ? { done: true, value: status } : { done: false, state: status };
    },
    everyMs: o.everyMs,
    timeoutMs: o.timeoutMs,
    emit: o.emit,
    reportEveryMs: 60_000,
    ...(o.now ? { now: o.now } : {}),
    onTimeout: (status) => {
      o.emit({ type: 'step.fail', id: 'deployed', error: 'timed out' });
      const after =
        o.timeoutMs >= 60_000 ? `${Math.round(o.timeoutMs / 60_000)} minutes` : `${Math.round(o.timeoutMs / 1000)} s`;
      return new CliError(`distribution ${distributionId} is still ${status} after ${after}`, { hint: o.hint });
    },
  });
  o.emit({ type: 'step.done', id: 'deployed' });
  return { waitedMs };
}
