// Preloaded into the graduate CLI by the benchmark (node --import): writes the process's peak
// resident set size (kilobytes), the CPU time it used (milliseconds, user + system) and that of its
// reaped children when it exits.
import fs from 'node:fs'

const file = process.env.GRADUATE_BENCH_USAGE_FILE

/** CPU ms of the children the CLI has reaped (git, ssh), from /proc/self/stat cutime + cstime. */
function childrenCpuMs() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    return 0
  }
}
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage()
    fs.writeFileSync(file, JSON.stringify({maxRssKb: usage.maxRSS, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000), childrenCpuMs: childrenCpuMs()}))
  })
}
