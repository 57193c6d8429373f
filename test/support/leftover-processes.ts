import fs from 'node:fs'
import {commandLine, killFamilies, type ProcessEntry, processTable} from './process-tree.js'

/**
 * The marker of one test run: set by the global setup, inherited by every process the tests start
 * (workers, simulated hosts' bash, git and gate scripts, sshd sessions, the CLI and its hooks), and
 * read back from /proc/<pid>/environ by the final check. Not GRADUATE_*: the CLI's scratch
 * environment drops those.
 */
export const RUN_ID_VARIABLE = 'LEAKCHECK_RUN_ID'
/** The test file whose worker started the process, so a failure names where to look. */
export const TEST_FILE_VARIABLE = 'LEAKCHECK_TEST_FILE'

/**
 * The marker variables of this process, for a child given an environment built from scratch (a
 * plugin script's, an sshd session's), so the final check still finds it.
 */
export function runMarker(): Record<string, string> {
  const marker: Record<string, string> = {}
  for (const name of [RUN_ID_VARIABLE, TEST_FILE_VARIABLE]) {
    const value = process.env[name]
    if (value !== undefined) marker[name] = value
  }
  return marker
}

export interface RunProcess {
  pid: number
  commandLine: string
  /** The test file that started it, when the marker says. */
  testFile: string | undefined
}

interface Marker {
  runId: string
  testFile: string | undefined
}

/** The run marker a process was started with (environ is the environment at exec), if any. */
function markerOf(pid: number): Marker | undefined {
  let environ: string
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8')
  } catch {
    return undefined
  }
  let runId: string | undefined
  let testFile: string | undefined
  for (const pair of environ.split('\0')) {
    if (pair.startsWith(`${RUN_ID_VARIABLE}=`)) runId = pair.slice(RUN_ID_VARIABLE.length + 1)
    else if (pair.startsWith(`${TEST_FILE_VARIABLE}=`)) testFile = pair.slice(TEST_FILE_VARIABLE.length + 1)
  }
  return runId === undefined ? undefined : {runId, testFile}
}

/**
 * Live processes of run `runId`: those started with its marker, and those below one that was (a
 * child given an environment of its own loses the variable, but not its parent while that lives).
 * `ignore` leaves out the runner's own processes; the ones below them still count.
 */
export function runProcesses(runId: string, ignore: (entry: ProcessEntry) => boolean = () => false): RunProcess[] {
  const table = processTable()
  const owners = new Map<number, Marker | null>()
  const ownerOf = (pid: number): Marker | null => {
    const known = owners.get(pid)
    if (known !== undefined) return known
    const entry = table.get(pid)
    owners.set(pid, null) // a cycle cannot happen in a process tree, but a half-read table is no tree
    const owner = entry === undefined || pid <= 1 ? null : (markerOf(pid) ?? ownerOf(entry.ppid))
    owners.set(pid, owner)
    return owner
  }
  const found: RunProcess[] = []
  for (const entry of table.values()) {
    if (entry.zombie || ignore(entry)) continue
    const owner = ownerOf(entry.pid)
    if (owner?.runId !== runId) continue
    // No command line: it ended since the table was read (a loop's `sleep 0.05`), or is ending.
    const line = commandLine(entry.pid)
    if (line !== '') found.push({pid: entry.pid, commandLine: line, testFile: owner.testFile})
  }
  return found
}

/**
 * Waits for run `runId`'s processes to end on their own, at most `graceMs`, polling the process table
 * every `pollMs`; then kills whatever is left (each with its family) and returns it. An empty list:
 * the run left nothing behind.
 */
export async function reapLeftovers(runId: string, options: {graceMs: number; pollMs?: number; ignore?: (entry: ProcessEntry) => boolean}): Promise<RunProcess[]> {
  const deadline = Date.now() + options.graceMs
  for (;;) {
    const left = runProcesses(runId, options.ignore)
    if (left.length === 0) return []
    if (Date.now() >= deadline) break
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50))
  }
  // Listed once more after the kill's stop phase would race with exits; this list is what was found
  // still running at the deadline, each with its command line read before the kill.
  const left = runProcesses(runId, options.ignore)
  killFamilies(left.map((leftover) => leftover.pid))
  return left
}

/** The failure message: one line per process, grouped by the test file that started it. */
export function describeLeftovers(leftovers: readonly RunProcess[]): string {
  const byFile = new Map<string, RunProcess[]>()
  for (const leftover of leftovers) {
    const file = leftover.testFile ?? '(no test file recorded)'
    byFile.set(file, [...(byFile.get(file) ?? []), leftover])
  }
  const lines = [`${leftovers.length} process(es) started by this test run were still running after every test had finished; killed now:`]
  for (const [file, processes] of byFile) {
    lines.push(`  ${file}`)
    for (const {pid, commandLine} of processes) lines.push(`    pid ${pid}: ${commandLine}`)
  }
  return lines.join('\n')
}
