import { defineConfig } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    setupFiles: ['test/helpers/setup.ts'],
    // budgets for a loaded 2-core machine (CI runs beside other work), not timing rules:
    // what a test asserts about time it measures from the product's own events
    testTimeout: 120_000,
    // the soak test measures memory after a full collection
    execArgv: ['--expose-gc'],
    hookTimeout: 180_000,
    // Most of the suite waits (on terraform's fixed delays, dev processes,
    // TTLs); files run side by side so the waits overlap on a 2-core machine.
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
  },
});
