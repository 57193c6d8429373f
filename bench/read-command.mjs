// CPU time of one simulated Dokku read command (`apps:report <app>`), run the way the simulated sshd
// runs it: `bash -c "<host>/bin/dokku $SSH_ORIGINAL_COMMAND"` with SSH_ORIGINAL_COMMAND set. Counted:
// every process of the command (bash, xargs, echo, the client — and, before the core server, the
// Node core), read from a wrapping bash's `times` (its children's user + system time, to the ms),
// plus what this process — where the simulator and its core server run — spent meanwhile.
//
//   node bench/read-command.mjs [--simulator <dist/index.js>] [--times N]
// runs it alone (e.g. against another checkout's simulator, for a before/after); `npm run bench`
// runs it first and prints it in RESULTS.md.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {summarise} from './stats.mjs'

const REPOSITORY = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(DOKKU_|GIT_|SSH_ORIGINAL_COMMAND$|SIM_)/.test(key)))
}

/** Runs one command and returns [children's CPU ms, this process's CPU ms] spent on it. */
function measureOnce(hostDir, command) {
  return new Promise((resolve, reject) => {
    const before = process.cpuUsage()
    const script = `bash -c "${hostDir}/bin/dokku \\$SSH_ORIGINAL_COMMAND" >/dev/null; status=$?; times; exit $status`
    const child = spawn('bash', ['-c', script], {
      cwd: path.join(hostDir, 'home', 'dokku'),
      env: {...cleanEnv(), PATH: `${hostDir}/bin:${process.env.PATH}`, HOME: path.join(hostDir, 'home', 'dokku'), SSH_ORIGINAL_COMMAND: command, SIM_SSH_LOGIN: 'dokku'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', () => {})
    child.on('error', reject)
    child.on('close', (code) => {
      const own = process.cpuUsage(before)
      if (code !== 0) return reject(new Error(`${command} exited ${code}`))
      // `times` prints the shell's own times, then its children's: "0m0.012s 0m0.004s".
      const childrenLine = stdout.trim().split('\n').at(-1)
      const seconds = [...childrenLine.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]))
      resolve([(seconds[0] + seconds[1]) * 1000, (own.user + own.system) / 1000])
    })
  })
}

/** Median (and min/max) CPU ms per `apps:report <app>` on one host of a running simulator. */
export async function measureReadCommandCpu(sim, host, app, times) {
  const hostDir = sim.host(host).hostDir
  await measureOnce(hostDir, `apps:report ${app}`) // warm: the core loads the command's module once
  const totals = []
  const processes = []
  const simulator = []
  for (let run = 0; run < times; run++) {
    const [children, own] = await measureOnce(hostDir, `apps:report ${app}`)
    processes.push(children)
    simulator.push(own)
    totals.push(children + own)
  }
  return {totalMs: summarise(totals), processesMs: summarise(processes), simulatorProcessMs: summarise(simulator)}
}

/** A one-host simulator with one app, measured, stopped. */
export async function measureReadCommand(startSimulator, times) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-bench-read-'))
  try {
    const sim = await startSimulator({
      stateDir: path.join(stateDir, 'hosts'),
      hosts: [{name: 'solo', gate: true, apps: [{name: 'api', revisions: [{message: 'v1', files: {'app.txt': 'v1'}}]}]}],
    })
    try {
      return await measureReadCommandCpu(sim, 'solo', 'api', times)
    } finally {
      await sim.stop()
    }
  } finally {
    fs.rmSync(stateDir, {recursive: true, force: true})
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const {values} = parseArgs({options: {simulator: {type: 'string'}, times: {type: 'string', default: '30'}}})
  const {startSimulator} = await import(path.resolve(values.simulator ?? path.join(REPOSITORY, 'test', 'simulator', 'dist', 'index.js')))
  const result = await measureReadCommand(startSimulator, Number(values.times))
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
