import {defineConfig} from 'vitest/config'

// Tests start simulated Dokku hosts, real git and real bash gates; on a loaded 2-core machine
// they get generous deadlines and at most two test files run at once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/simulator/dist/**'],
    globalSetup: ['test/support/temp-root.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
