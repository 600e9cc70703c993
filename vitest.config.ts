import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 30_000,
    // the soak test measures memory after a full collection
    execArgv: ['--expose-gc'],
    hookTimeout: 60_000,
  },
});
