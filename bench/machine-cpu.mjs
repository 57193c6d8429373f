// The whole machine's busy CPU time from /proc/stat: what the simulated hosts, graduate and
// everything else used together, to set against graduate's own share.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100

/**
 * CPU milliseconds of this process (user + system) plus those of its children it has reaped (and
 * theirs, as each waited for its own): /proc/self/stat utime, stime, cutime, cstime.
 */
export function selfAndChildrenCpuMs() {
  if (!fs.existsSync('/proc/self/stat')) return null
  const stat = fs.readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const children = (Number(fields[13]) + Number(fields[14])) * 1000 / TICKS_PER_SECOND
  const own = process.cpuUsage()
  return (own.user + own.system) / 1000 + children
}

/** Busy CPU milliseconds of all cores since boot, or null where /proc/stat does not exist. */
export function machineBusyMs() {
  if (!fs.existsSync('/proc/stat')) return null
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = fields
  return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / TICKS_PER_SECOND
}
