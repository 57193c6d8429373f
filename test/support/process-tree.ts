import fs from 'node:fs'
import type {ChildProcess} from 'node:child_process'

/** One process as /proc shows it. */
export interface ProcessEntry {
  pid: number
  ppid: number
  pgid: number
  /** Exited, waiting only to be reaped: nothing left to stop. */
  zombie: boolean
  /** Clock ticks after boot when it started: with the pid, names this process and no later one that reuses the pid. */
  startTime: number
}

/** Every process on the machine (one that ends while the table is read is left out). */
export function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const entry = readEntry(Number(name))
    if (entry) table.set(entry.pid, entry)
  }
  return table
}

function readEntry(pid: number): ProcessEntry | undefined {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name in parentheses may hold spaces and parentheses itself: the fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {pid, ppid: Number(fields[1]), pgid: Number(fields[2]), zombie: fields[0] === 'Z', startTime: Number(fields[19])}
}

/** `ps`-style command line of a live process ('' once it is gone or has no arguments, as a kernel thread). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

/**
 * `root` and everything that belongs to it: its descendants, and every member of a process group one
 * of them leads. The groups matter because a member keeps its group when its parent dies and init
 * adopts it, which is how a `bash -c 'while …; do sleep …; done'` outlives the test that started it.
 */
export function processFamily(table: ReadonlyMap<number, ProcessEntry>, root: number): number[] {
  const family = new Set<number>(table.has(root) ? [root] : [])
  for (let grew = family.size > 0; grew; ) {
    grew = false
    for (const entry of table.values()) {
      if (family.has(entry.pid) || !(family.has(entry.ppid) || family.has(entry.pgid))) continue
      family.add(entry.pid)
      grew = true
    }
  }
  return [...family]
}

/**
 * SIGKILLs each root's family. Everyone is stopped first and the table read again until no new
 * member appears, so a loop cannot start a replacement between the listing and the kill.
 * Returns the pids signalled.
 */
export function killFamilies(roots: Iterable<number>): number[] {
  const stopped = new Set<number>()
  const rootList = [...roots]
  for (;;) {
    const table = processTable()
    const fresh = rootList.flatMap((root) => processFamily(table, root)).filter((pid) => !stopped.has(pid) && !table.get(pid)!.zombie)
    if (fresh.length === 0) break
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP')
      stopped.add(pid)
    }
  }
  for (const pid of stopped) signal(pid, 'SIGKILL')
  return [...stopped]
}

/** Kills a child a test started, with everything under it and the process groups they lead, unless it has ended. */
export function killChildFamily(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killFamilies([child.pid])
}

/**
 * What is left running in the process group `pgid` after its leader ended: nothing while a process
 * with that pid exists (the leader itself, or a later process given its pid, whose group is not ours).
 * The kernel gives no new process the pid while the group has members, so these are the leader's.
 */
export function orphanedGroupMembers(pgid: number): ProcessEntry[] {
  const table = processTable()
  if (table.has(pgid)) return []
  return [...table.values()].filter((entry) => entry.pgid === pgid && !entry.zombie)
}

/** Whether `entry` still runs: the same pid and start time (not a later process given the same pid). */
export function stillRunning(entry: ProcessEntry): boolean {
  const now = readEntry(entry.pid)
  return now !== undefined && !now.zombie && now.startTime === entry.startTime
}

/** Whether a process with this pid runs (a zombie does not: this machine's init does not reap orphans). */
export function isAlive(pid: number): boolean {
  const entry = readEntry(pid)
  return entry !== undefined && !entry.zombie
}

/** Whether this pid leads a process group of its own (a child spawned detached does). */
export function leadsProcessGroup(pid: number): boolean {
  return readEntry(pid)?.pgid === pid
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // it ended meanwhile
  }
}
