// Preloaded into the graduate CLI by the benchmark (node --import): writes the process's peak
// resident set size (kilobytes) and the CPU time it used (milliseconds, user + system) when it exits.
import fs from 'node:fs'

const file = process.env.GRADUATE_BENCH_USAGE_FILE
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage()
    fs.writeFileSync(file, JSON.stringify({maxRssKb: usage.maxRSS, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}))
  })
}
