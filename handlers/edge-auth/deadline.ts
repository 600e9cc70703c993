// One deadline for every call of a load: what a request needs of an
// AbortSignal (has it passed; a call when it does) on one plain timer.
// AbortSignal.timeout and the EventTarget behind it cost the edge's cold start
// ~1.2 ms, for a timer that almost never fires (bench/RESULTS.md, section 1).

export interface Deadline {
  /** whether it has passed */
  readonly passed: boolean;
  /** Calls `abort` once when the deadline passes (at once if it has); returns what cancels that. */
  onPass(abort: (reason: Error) => void): () => void;
}

export class DeadlineTimer implements Deadline {
  passed = false;
  private readonly waiting = new Set<(reason: Error) => void>();
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.pass(), ms);
    // like AbortSignal.timeout's: a pending deadline keeps no process alive
    this.timer.unref?.();
  }

  onPass(abort: (reason: Error) => void): () => void {
    if (this.passed) {
      abort(this.reason());
      return () => {};
    }
    this.waiting.add(abort);
    return () => this.waiting.delete(abort);
  }

  /** The work is over: the timer goes, nothing waits any more. */
  clear(): void {
    clearTimeout(this.timer);
    this.waiting.clear();
  }

  private pass(): void {
    this.passed = true;
    for (const abort of this.waiting) abort(this.reason());
    this.waiting.clear();
  }

  private reason(): Error {
    const error = new Error(`the deadline of ${this.ms} ms passed`);
    error.name = 'TimeoutError';
    return error;
  }
}

/** For clients that take an AbortSignal (fetch, the AWS SDK). */
export function abortSignalOf(deadline: Deadline): AbortSignal {
  const controller = new AbortController();
  deadline.onPass((reason) => controller.abort(reason));
  return controller.signal;
}
