import {randomUUID} from 'node:crypto'
import {describeLeftovers, reapLeftovers, RUN_ID_VARIABLE} from './leftover-processes.js'

/*
 * What finishes legitimately after the last test: the gate's detached branch restorer
 * (dokku-plugin/gate/check-deploy) notices within 0.2 s that its deploy's dokku command ended, then
 * takes the app's mutex and runs a few git commands — well under a second, a few on a loaded
 * two-core machine. Anything still running after this is stuck, not finishing.
 */
const GRACE_MS = 5_000

/**
 * Vitest global setup: marks the run (every process the tests start inherits the marker), and after
 * the last test fails the run if any marked process is still alive, naming each, after killing it.
 *
 * Vitest 4 only logs an error thrown by a global teardown ("error during close") and still exits 0
 * (Vitest.close() collects teardown errors and prints them; nothing sets the exit code), so the
 * failure is process.exitCode = 1, which `vitest run` keeps.
 */
export function setup(): () => Promise<void> {
  const runId = `${process.pid}-${randomUUID()}`
  process.env[RUN_ID_VARIABLE] = runId
  return async () => {
    // The runner's own processes (this one, and its direct children: test workers, esbuild) end after
    // this teardown; whatever the tests started sits below a worker or was adopted by init.
    const leftovers = await reapLeftovers(runId, {graceMs: GRACE_MS, ignore: (entry) => entry.pid === process.pid || entry.ppid === process.pid})
    if (leftovers.length === 0) return
    process.exitCode = 1
    console.error(`\n${describeLeftovers(leftovers)}\n`)
  }
}
