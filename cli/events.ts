// Operations report progress as events; renderers (plain lines, ink, JSON)
// subscribe. Operations never write to the terminal themselves.

export type OpEvent =
  | { type: 'step.start'; id: string; title: string }
  | { type: 'step.done'; id: string; detail?: string }
  | { type: 'step.fail'; id: string; error: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type Emit = (event: OpEvent) => void;

export const silent: Emit = () => {};
