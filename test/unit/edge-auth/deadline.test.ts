import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortSignalOf, DeadlineTimer } from '../../../handlers/edge-auth/deadline.js';

describe('a load deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls what waits on it once, when it passes, with a TimeoutError', () => {
    const deadline = new DeadlineTimer(2000);
    const reasons: Error[] = [];
    deadline.onPass((reason) => reasons.push(reason));
    vi.advanceTimersByTime(1999);
    expect(deadline.passed).toBe(false);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(deadline.passed).toBe(true);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]!.name).toBe('TimeoutError');
    expect(reasons[0]!.message).toMatch(/2000 ms/);
    vi.advanceTimersByTime(10_000);
    expect(reasons).toHaveLength(1);
  });

  it('calls at once what starts waiting after it passed', () => {
    const deadline = new DeadlineTimer(10);
    vi.advanceTimersByTime(10);
    const abort = vi.fn();
    deadline.onPass(abort);
    expect(abort).toHaveBeenCalledOnce();
  });

  it('forgets a waiter that stopped waiting, and everything once cleared', () => {
    const deadline = new DeadlineTimer(10);
    const stopped = vi.fn();
    const kept = vi.fn();
    deadline.onPass(stopped)();
    deadline.onPass(kept);
    deadline.clear();
    vi.advanceTimersByTime(100);
    expect(stopped).not.toHaveBeenCalled();
    expect(kept).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives fetch and the SDK an AbortSignal that aborts with it', () => {
    const deadline = new DeadlineTimer(50);
    const signal = abortSignalOf(deadline);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(50);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });
});
