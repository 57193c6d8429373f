import {defineConfig} from 'vitest/config'

// Tests start simulated Dokku hosts, real git and real bash gates; on a loaded 2-core machine
// they get generous deadlines. Much of an end-to-end test's time is waiting (leases, holds, release
// tails) rather than CPU since the simulated hosts run their core in-process, so three files run at once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/simulator/dist/**'],
    globalSetup: ['test/support/temp-root.ts'],
    setupFiles: ['test/support/kill-children-after-file.ts'],
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
