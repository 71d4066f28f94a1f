import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for the browser and the worker: 1 s (the default) is too short on a loaded machine.
    expect: { poll: { timeout: 10_000 } },
    // Storage tests run against SQLite always and PostgreSQL when WERKFLOW_TEST_PG_URL is set.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/results.json' },
  },
});
