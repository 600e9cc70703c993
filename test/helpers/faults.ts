import type { FaultRule } from '../../cli/local/faults.js';

/** Replaces the fault rules of a local cloud started with fault injection. */
export async function setFaults(endpoint: string, rules: FaultRule[]): Promise<void> {
  const res = await fetch(`${endpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ rules }) });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
}

export const clearFaults = (endpoint: string) => setFaults(endpoint, []);

/** Resolves once the fault rules have been hit `count` times in all. */
export async function faultHits(endpoint: string, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${endpoint}/_local/faults`);
    if (((await res.json()) as { hits: number }).hits >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} fault hits after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
