import { defineConfig } from 'vitest/config';

// GPU tests share one software adapter per worker; lavapipe is slow, so timeouts are generous and
// shapes small. The browser smoke test runs in Node and drives Chromium itself.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
