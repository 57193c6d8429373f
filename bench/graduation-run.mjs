// One `graduate <source> production --yes --json` against the scenario's hosts, and what it cost:
// wall time, flip skew as the hosts dated it and as a router probe saw it, how long each gate took
// to let go after the decision was written, SSH connections and remote commands, peak RSS.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {appNames, targetHostNames, targetHostOf} from './fleet.mjs'
import {RouterProbe} from './router-probe.mjs'
import {journalSince, sshTotals} from './host-counters.mjs'
import {machineBusyMs, selfAndChildrenCpuMs} from './machine-cpu.mjs'
import {attribute, startRecording} from './cpu-attribution.mjs'

const REPOSITORY = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const BIN = path.join(REPOSITORY, 'bin', 'run.js')
const PROCESS_USAGE = path.join(REPOSITORY, 'bench', 'process-usage.mjs')

export async function runGraduation({sim, scenario, source, manifest, home, attributeCpu = false}) {
  const apps = appNames(scenario)
  const sourceRevs = Object.fromEntries(sim.state().hosts.find((host) => host.name === source).apps.map((app) => [app.name, app.liveRev]))
  const probe = new RouterProbe(
    apps.map((app, index) => ({app, routerPort: sim.host(targetHostOf(scenario, index)).routerPort, expectedRev: sourceRevs[app]})),
  )
  const hostNames = [source, ...targetHostNames(scenario)]
  const sshBefore = sshTotals(sim, hostNames)
  const usageFile = path.join(home, `usage-${Date.now()}`)
  const env = {...cleanEnv(), HOME: home, XDG_STATE_HOME: path.join(home, 'state'), XDG_CACHE_HOME: path.join(home, `cache-${Date.now()}`), NO_COLOR: '1', GRADUATE_BENCH_USAGE_FILE: usageFile}

  const perfFile = path.join(home, 'perf.data')
  const recording = attributeCpu ? await startRecording(perfFile) : null
  const busyBefore = machineBusyMs()
  const benchBefore = selfAndChildrenCpuMs()
  const startedAt = Date.now()
  const child = spawn(process.execPath, ['--import', PROCESS_USAGE, BIN, source, 'production', '--yes', '--json', '-m', manifest], {env, stdio: ['ignore', 'pipe', 'pipe']})
  /** @type {Array<Record<string, any>>} */
  const events = []
  let buffered = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    buffered += chunk
    let newline
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (!line.startsWith('{')) continue
      const event = {...JSON.parse(line), receivedAt: Date.now()}
      events.push(event)
      if (event.type === 'decision' && event.decision === 'release') probe.start()
    }
  })
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => child.on('close', resolve))
  const totalMs = Date.now() - startedAt
  const busyAfter = machineBusyMs()
  const benchAfter = selfAndChildrenCpuMs()
  await recording?.stop()
  await withDeadline(probe.stop(), 10_000)
  if (code !== 0) throw new Error(`graduate ${source} production exited ${code}:\n${stderr}\n${events.slice(-5).map((event) => JSON.stringify(event)).join('\n')}`)

  const targets = sim.state().hosts.filter((host) => host.name.startsWith('prod-'))
  const liveSince = targets.flatMap((host) => host.apps.filter((app) => apps.includes(app.name)).map((app) => app.liveSince))
  const journal = journalSince(sim, hostNames, startedAt)
  const sshAfter = sshTotals(sim, hostNames)
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'))
  const machineCpuMs = busyBefore === null ? null : busyAfter - busyBefore
  return {
    outcome: `${events.at(-1)?.outcome ?? 'unknown'}, exit ${code}`,
    totalMs,
    hostSkewMs: Math.max(...liveSince) - Math.min(...liveSince),
    probeSkewMs: probe.skewMs(),
    probeRoundMs: probe.medianRoundMs(),
    gateWakeMs: gateWakeLatencies(sim, journal, events),
    connections: sshAfter.connections - sshBefore.connections,
    commandsPerApp: journal.length / apps.length,
    peakRssMb: usage.maxRssKb / 1024,
    cliCpuMs: usage.cpuMs,
    // Everything else the machine did meanwhile: the simulated hosts (and the benchmark's probe).
    otherCpuMs: machineCpuMs === null ? null : Math.max(0, machineCpuMs - usage.cpuMs),
    // The simulated hosts alone, whatever else the machine runs: this process (sshds, routers, the
    // core server) and every process it reaped (sessions, gates, builds), minus the CLI and its children.
    hostsCpuMs: benchBefore === null ? null : Math.max(0, benchAfter - benchBefore - usage.cpuMs - (usage.childrenCpuMs ?? 0)),
    phases: phaseDurations(events, startedAt),
    ...(recording ? {attribution: attribute({file: perfFile, simulatorPid: process.pid, cliPid: child.pid})} : {}),
  }
}

/**
 * Per app: from the start of `graduate:release` on its host (the decision is written during it)
 * to graduate receiving that app's gate line saying it let go — an upper bound of the gate's wake-up.
 */
function gateWakeLatencies(sim, journal, events) {
  const releaseStarted = new Map()
  for (const entry of journal) {
    if (entry.command.startsWith('graduate:release ')) releaseStarted.set(`dokku@127.0.0.1:${sim.host(entry.host).port}`, entry.ts)
  }
  return events
    .filter((event) => event.type === 'app-output' && /graduate: released /.test(event.line) && releaseStarted.has(event.host))
    .map((event) => Date.parse(event.ts) - releaseStarted.get(event.host))
}

/** How long each stage of the graduation took, from its `stage` events. */
function phaseDurations(events, startedAt) {
  const stages = events.filter((event) => event.type === 'stage')
  const durations = {}
  for (const [index, event] of stages.entries()) {
    const end = stages[index + 1] ? Date.parse(stages[index + 1].ts) : Date.parse(events.at(-1).ts)
    durations[event.stage] = end - Date.parse(event.ts)
  }
  durations.startup = stages.length ? Date.parse(stages[0].ts) - startedAt : null
  return durations
}

function withDeadline(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())])
}

export function cleanEnv() {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GRADUATE_|SSH_AUTH_SOCK$|CI$|GITHUB_|GIT_)/.test(key)) continue
    env[key] = value
  }
  return env
}
