import fs from 'node:fs'
import path from 'node:path'
import {BaseSequencer, type TestSpecification} from 'vitest/node'

/*
 * Vitest sequencer: the test files that take longest start first, so the suite does not end with one
 * worker still running a long end-to-end file while the others sit idle.
 *
 * Vitest orders by the durations it cached from the last run on this machine, and without a cache (a
 * fresh clone, CI) by file size, largest first — which started the fault matrix files (three lines
 * each, a minute of graduations) last. Here the order comes from file-durations.json, committed: each
 * file's wall time in a measured run (relative order is what counts, not the seconds). A file not
 * listed there (a new one) is placed as if it took DEFAULT_SECONDS. Regenerate the table from a JSON
 * report: `node test/support/file-durations.mjs <report.json>`.
 */
const DEFAULT_SECONDS = 10

const table = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'file-durations.json'), 'utf8')) as Record<string, number>

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root
    const seconds = (file: TestSpecification) => table[path.relative(root, file.moduleId).split(path.sep).join('/')] ?? DEFAULT_SECONDS
    return [...files].sort((a, b) => seconds(b) - seconds(a))
  }
}
