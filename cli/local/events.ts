// What the local cloud tells its host (dev's log, the dashboard, tests): typed
// events, never secret values.

export type LocalEvent =
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  /** a request for an operation no plugin implements (one line in dev names it) */
  | { type: 'unknown-operation'; service: string; operation: string }
  /** a staging label moved (AWSCURRENT inside finishSecret, for example) */
  | { type: 'secret.stage'; secretArn: string; secretName: string; stage: string; versionId: string; at: number }
  | {
      type: 'rotation';
      secretArn: string;
      secretName: string;
      token: string;
      phase: 'started' | 'step' | 'failed' | 'finished';
      step?: string;
      error?: string;
      at: number;
    }
  /** a line a function printed (label: function:version#instance) */
  | { type: 'function.log'; label: string; line: string }
  | { type: 'distribution'; id: string; change: 'created' | 'updated' | 'deleted' }
  /** keys of a KeyValueStore were written (never their values) */
  | { type: 'key-value-store'; arn: string; keys: number };

export type LocalListener = (event: LocalEvent) => void;
