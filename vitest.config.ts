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
    // Files share their worker's modules instead of loading the whole service again each (the
    // loading was half the run: 277 s of 535). Nothing in the service keeps state in a module
    // that a test relies on being fresh: per-process caches live in Deps or are keyed so that
    // servers on other scratch databases cannot meet (by database, by random ids).
    isolate: false,
  },
});
