// Operations report progress as events; renderers (plain lines, ink, JSON)
// subscribe. Operations never write to the terminal themselves.

export type OpEvent =
  | { type: 'step.start'; id: string; title: string }
  | { type: 'step.done'; id: string; detail?: string }
  | { type: 'step.fail'; id: string; error: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type Emit = (event: OpEvent) => void;

export const silent: Emit = () => {};

/** Runs one step of an operation, reporting its start, its end (with a detail) or its failure. */
export async function step<T>(
  emit: Emit,
  id: string,
  title: string,
  run: () => Promise<T>,
  detail?: (value: T) => string | undefined,
): Promise<T> {
  emit({ type: 'step.start', id, title });
  try {
    const value = await run();
    const d = detail?.(value);
    emit({ type: 'step.done', id, ...(d ? { detail: d } : {}) });
    return value;
  } catch (error) {
    emit({ type: 'step.fail', id, error: (error as Error).message.split('\n')[0] ?? '' });
    throw error;
  }
}
