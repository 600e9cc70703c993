// What every local service gets from the cloud that runs it.

import type { LocalEvent } from './events.js';
import type { Services } from './services.js';
import type { StateStore } from './state.js';

export interface ServiceHost {
  store: StateStore;
  emit(event: LocalEvent): void;
  now(): number;
  /** the other services, through their small interfaces (filled once all are registered) */
  services: Services;
  /** the local endpoint, e.g. http://127.0.0.1:4599 (known once listening) */
  endpoint(): string;
}

export const accountOf = (host: ServiceHost) => host.store.state.accountId;
