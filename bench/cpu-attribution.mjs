// `--attribute`: where the hosts' CPU of one graduation goes, by process, from `perf record` run
// over it (root and perf needed; without them the attribution is skipped and says why). The
// rusage figures of the measured runs cannot split the simulated hosts: the gate plugin's verbs and
// hooks — graduate's own code on the hosts, which a real host pays for too — run as descendants of
// the simulator's processes. perf's fork and exec events rebuild the process tree; each CPU sample
// (one per millisecond a process ran) is charged to the nearest ancestor that is either a gate
// script or a part of the simulated Dokku (its `dokku` entry, the core's client, `config_sub`, the
// simulator process itself).
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'

const SAMPLE_PERIOD_NS = 1_000_000
const GATE_SCRIPT = /\/plugins\/(available|enabled)\/(graduate|zz-graduate-gate)\//
const DOKKU_PART = /\/bin\/dokku$|\/sim-client$|\/config\/config_sub$/

/** Why perf cannot attribute here, or null when it can. */
export function attributionUnavailable() {
  if (process.getuid?.() !== 0) return 'perf needs root to see every process'
  const probe = spawnSync('perf', ['--version'], {encoding: 'utf8'})
  if (probe.error || probe.status !== 0) return 'perf is not installed'
  return null
}

/** Starts `perf record` over the whole machine into `file`; resolves once it records. */
export async function startRecording(file) {
  const perf = spawn('perf', ['record', '-a', '-q', '-m', '4096', '-e', `cpu-clock/period=${SAMPLE_PERIOD_NS}/`, '-e', 'sched:sched_process_exec', '-e', 'sched:sched_process_fork', '-o', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  perf.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => perf.on('close', resolve))
  // perf writes its header once its events are open: a file longer than the magic means it records.
  const deadline = Date.now() + 10_000
  while (!(fs.existsSync(file) && fs.statSync(file).size > 0)) {
    if (perf.exitCode !== null || Date.now() > deadline) throw new Error(`perf record did not start: ${stderr.trim() || 'no output within 10 s'}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    async stop() {
      perf.kill('SIGINT')
      await exited
    },
  }
}

/**
 * CPU milliseconds of the recording, charged to: `testBed` (the simulated Dokku), `gate` (graduate's
 * plugin on the hosts), `cli` (the graduate process), `cliChildren` (its git and ssh helper), `other`
 * (anything else on the machine); `byProcess` lists the test bed's and the gate's largest programs.
 */
export function attribute({file, simulatorPid, cliPid}) {
  const script = spawnSync('perf', ['script', '-i', file, '-F', 'pid,time,event,trace'], {encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore']})
  const parent = new Map()
  const program = new Map()
  const samples = new Map()
  for (const line of script.stdout.split('\n')) {
    const match = /^\s*(\d+)\s+[\d.]+:\s+(\S+):\s*(.*)$/.exec(line)
    if (!match) continue
    const [, pid, event, trace] = match
    if (event.includes('sched_process_fork')) parent.set(/child_pid=(\d+)/.exec(trace)?.[1], pid)
    // A script's first exec names it (the shebang's interpreter comes after).
    else if (event.includes('sched_process_exec')) {
      if (!program.has(pid)) program.set(pid, /filename=(\S+)/.exec(trace)?.[1] ?? '')
    } else if (pid !== '0') samples.set(pid, (samples.get(pid) ?? 0) + 1)
  }
  const totals = {testBed: 0, gate: 0, cli: 0, cliChildren: 0, other: 0}
  const byProcess = new Map()
  for (const [pid, count] of samples) {
    const owner = ownerOf(pid)
    totals[owner] += count
    if (owner === 'testBed' || owner === 'gate') {
      const name = `${owner === 'gate' ? 'gate' : 'test bed'}: ${pid === String(simulatorPid) ? 'the simulator process' : shortName(program.get(pid))}`
      byProcess.set(name, (byProcess.get(name) ?? 0) + count)
    }
  }
  const ms = (count) => (count * SAMPLE_PERIOD_NS) / 1e6
  return {
    testBedMs: ms(totals.testBed),
    gateMs: ms(totals.gate),
    cliMs: ms(totals.cli),
    cliChildrenMs: ms(totals.cliChildren),
    otherMs: ms(totals.other),
    byProcess: [...byProcess].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, count]) => ({name, ms: ms(count)})),
  }

  function ownerOf(pid) {
    if (pid === String(cliPid)) return 'cli'
    let owner = null
    for (let at = pid, depth = 0; at !== undefined && depth < 64; at = parent.get(at), depth++) {
      if (at === String(cliPid)) return 'cliChildren'
      if (at === String(simulatorPid)) return owner ?? 'testBed'
      const name = program.get(at) ?? ''
      if (owner === null && GATE_SCRIPT.test(name)) owner = 'gate'
      else if (owner === null && DOKKU_PART.test(name)) owner = 'testBed'
    }
    return 'other'
  }
}

function shortName(file = '') {
  if (!file) return '(a fork of its parent)'
  const gate = GATE_SCRIPT.exec(file)
  if (gate) return file.slice(gate.index + gate[0].length - gate[2].length - 1).replace(/^\//, '')
  return file.replace(/^.*\//, '')
}
