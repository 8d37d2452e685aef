import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on PostgreSQL, child processes and sockets, not on the
    // CPU: two files at once on a 2-core machine roughly halves the run (vitest's default is
    // one fewer than the cores).
    maxWorkers: 2,
  },
});
