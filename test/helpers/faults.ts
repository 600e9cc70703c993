import type { FaultRule } from '../../cli/local/faults.js';

/** Replaces the fault rules of a local cloud started with fault injection. */
export async function setFaults(endpoint: string, rules: FaultRule[]): Promise<void> {
  const res = await fetch(`${endpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ rules }) });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
}

export const clearFaults = (endpoint: string) => setFaults(endpoint, []);
