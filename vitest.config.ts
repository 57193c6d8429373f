import {defineConfig} from 'vitest/config'
import LongestFirst from './test/support/longest-first.js'

// Tests start simulated Dokku hosts, real git and real bash gates; on a loaded 2-core machine
// they get generous deadlines. Most of an end-to-end test's time is waiting (leases, holds, release
// tails), not CPU: the whole suite used about 390 s of CPU in 200 s with seven files at once, and 530 s
// in 285 s with five, so seven run at once.
// Neither graduate nor the simulated hosts speak TLS, yet a machine-wide NODE_EXTRA_CA_CERTS makes every
// Node process parse the whole bundle as it starts (about 40 ms of CPU), and the suite starts the CLI
// about 200 times and git's helper hundreds. The workers, and everything they start, inherit the
// environment without it.
delete process.env.NODE_EXTRA_CA_CERTS

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/simulator/dist/**'],
    // Teardowns run in reverse order: leftover processes are killed before their temp dirs go.
    globalSetup: ['test/support/temp-root.ts', 'test/support/leftover-process-check.ts'],
    setupFiles: ['test/support/mark-test-file.ts', 'test/support/kill-children-after-file.ts'],
    // Long files first, from a committed table: without it a fresh clone starts the biggest files first.
    sequence: {sequencer: LongestFirst},
    pool: 'forks',
    maxWorkers: 7,
    // A backstop for a hung test, not a deadline: every wait inside a test has its own, from what it awaits.
    // 120 s was short of a loaded run (a bad-day test took 137 s with two busy processes on the machine).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
})
