// The interactive renderer: a live list of steps with a spinner on the running
// one, fed by the same events as the plain renderer. Loaded only when stdout is
// a TTY, outside CI and without --json (ink and react cost ~0.5 s to import).

import { Box, render, Static, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { Emit, OpEvent } from '../core/events.js';
import { formatDuration } from './plain.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface StepView {
  id: string;
  title: string;
  state: 'running' | 'done' | 'failed';
  detail?: string | undefined;
  startedAt: number;
  ms?: number;
}

export interface ProgressModel {
  steps: StepView[];
  logs: Array<{ key: number; level: 'info' | 'warn'; message: string }>;
}

/** Applies one event to the model (pure: the component and the tests use it). */
export function reduce(model: ProgressModel, event: OpEvent, now: number): ProgressModel {
  switch (event.type) {
    case 'step.start':
      return {
        ...model,
        steps: [...model.steps, { id: event.id, title: event.title, state: 'running', startedAt: now }],
      };
    case 'step.done':
    case 'step.fail':
      return {
        ...model,
        steps: model.steps.map((s) =>
          s.id === event.id && s.state === 'running'
            ? {
                ...s,
                state: event.type === 'step.done' ? 'done' : 'failed',
                detail: event.type === 'step.done' ? event.detail : event.error,
                ms: now - s.startedAt,
              }
            : s,
        ),
      };
    case 'log':
      return {
        ...model,
        logs: [...model.logs, { key: model.logs.length, level: event.level, message: event.message }],
      };
  }
}

export function Progress({ subscribe }: { subscribe: (listener: (event: OpEvent) => void) => void }) {
  const [model, setModel] = useState<ProgressModel>({ steps: [], logs: [] });
  const [frame, setFrame] = useState(0);
  useEffect(() => subscribe((event) => setModel((m) => reduce(m, event, Date.now()))), [subscribe]);
  const running = model.steps.some((s) => s.state === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <>
      <Static items={model.logs}>
        {(log) => (
          <Text key={log.key} color={log.level === 'warn' ? 'yellow' : undefined}>
            {log.message}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        {model.steps.map((s) => (
          <Text key={s.id}>
            {s.state === 'running' ? (
              <Text color="cyan">{FRAMES[frame]}</Text>
            ) : s.state === 'done' ? (
              <Text color="green">✔</Text>
            ) : (
              <Text color="red">✖</Text>
            )}{' '}
            {s.title}
            {s.detail ? <Text dimColor> {s.detail}</Text> : null}
            {s.ms !== undefined ? <Text dimColor> ({formatDuration(s.ms)})</Text> : null}
          </Text>
        ))}
      </Box>
    </>
  );
}

export interface InkProgress {
  emit: Emit;
  close(): Promise<void>;
}

export function inkProgress(stream: NodeJS.WriteStream): InkProgress {
  const listeners = new Set<(event: OpEvent) => void>();
  const pending: OpEvent[] = [];
  const subscribe = (listener: (event: OpEvent) => void) => {
    listeners.add(listener);
    for (const event of pending.splice(0)) listener(event);
    return () => listeners.delete(listener);
  };
  const app = render(<Progress subscribe={subscribe} />, { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return {
    emit: (event) => {
      if (listeners.size === 0) pending.push(event);
      for (const l of listeners) l(event);
    },
    close: async () => {
      // let the last state paint before unmounting
      await new Promise((r) => setTimeout(r, 20));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
