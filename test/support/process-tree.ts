import fs from 'node:fs'
import type {ChildProcess} from 'node:child_process'

/** One process as /proc shows it. */
export interface ProcessEntry {
  pid: number
  ppid: number
  pgid: number
  /** Exited, waiting only to be reaped: nothing left to stop. */
  zombie: boolean
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
  const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {pid, ppid: Number(ppid), pgid: Number(pgid), zombie: state === 'Z'}
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

/**
 * Kills a child a test started, with everything under it and its process group. Once the child has
 * exited (and its pid may be reused), only the members still in the group it led are killed: a new
 * process that happened to get the same pid would lead a group of its own, not be a member of one.
 */
export function killChildFamily(child: ChildProcess): void {
  const pid = child.pid
  if (pid === undefined) return
  if (child.exitCode === null && child.signalCode === null) {
    killFamilies([pid])
    return
  }
  const members = [...processTable().values()].filter((entry) => entry.pgid === pid && entry.pid !== pid).map((entry) => entry.pid)
  if (members.length > 0) killFamilies(members)
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // it ended meanwhile
  }
}
