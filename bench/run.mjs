#!/usr/bin/env node
// `npm run bench`: graduations against simulated Dokku hosts over real SSH on loopback, per
// scenario of bench/scenarios.mjs, each run several times; writes bench/RESULTS.md and
// bench/results.json. Options: --runs N (default 5), --scenario 2x1,10x2,… , --quick (durations
// ÷10, results to bench/out/), --json (the results document on stdout), --attribute (one more
// graduation per scenario under perf: where the hosts' CPU goes).
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {SOURCES, simulatorConfig, writeManifest} from './fleet.mjs'
import {runGraduation} from './graduation-run.mjs'
import {measureHelpColdStart} from './cold-start.mjs'
import {measureReadCommand} from './read-command.mjs'
import {attributionUnavailable} from './cpu-attribution.mjs'
import {renderResults} from './results.mjs'
import {SCENARIOS, quick} from './scenarios.mjs'
import {runSequential} from './sequential-run.mjs'
import {summarise} from './stats.mjs'

const REPOSITORY = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const {values: flags} = parseArgs({
  options: {
    runs: {type: 'string', default: '5'},
    scenario: {type: 'string'},
    quick: {type: 'boolean', default: false},
    json: {type: 'boolean', default: false},
    merge: {type: 'boolean', default: false},
    before: {type: 'string'},
    'no-sequential': {type: 'boolean', default: false},
    attribute: {type: 'boolean', default: false},
  },
})
const runs = Number(flags.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a whole number of runs, got ${flags.runs}`)
const wanted = flags.scenario?.split(',')
const unknown = wanted?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? []
if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; the scenarios are ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`)
const scenarios = SCENARIOS.filter((scenario) => !wanted || wanted.includes(scenario.name)).map((scenario) => (flags.quick ? quick(scenario) : scenario))

const {startSimulator} = await import(path.join(REPOSITORY, 'test', 'simulator', 'dist', 'index.js'))
const log = (line) => process.stderr.write(`${line}\n`)
const noAttribution = flags.attribute ? attributionUnavailable() : null
if (noAttribution) log(`--attribute: skipped, ${noAttribution}`)

log('CPU per simulated read command (apps:report)…')
const readCommandCpu = await measureReadCommand(startSimulator, flags.quick ? 10 : 30)
log(`read command: ${readCommandCpu.totalMs.median.toFixed(1)} ms of CPU (median)`)

const results = []
for (const scenario of scenarios) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `graduate-bench-${scenario.name}-`))
  try {
    log(`${scenario.name}: starting ${scenario.hosts + 2} simulated hosts with ${scenario.apps} apps each side…`)
    const sim = await startSimulator(simulatorConfig(scenario, path.join(work, 'hosts')))
    try {
      const manifests = Object.fromEntries(SOURCES.map((source) => [source, writeManifest(sim, scenario, source, work)]))
      // Production starts on the first revisions: stage-a moves it forward, stage-b back, in turn.
      let next = 0
      const nextSource = () => SOURCES[next++ % 2]
      const graduations = []
      const sequential = []
      const twins = []
      const scenarioRuns = Math.min(runs, scenario.maxRuns ?? runs)
      const hostNames = sim.hosts.map((host) => host.name)
      for (let run = 1; run <= scenarioRuns; run++) {
        const source = nextSource()
        const home = fs.mkdtempSync(path.join(work, 'home-'))
        const measured = await runGraduation({sim, scenario, source, manifest: manifests[source], home})
        graduations.push(measured)
        log(`${scenario.name} run ${run}/${scenarioRuns}: graduate ${(measured.totalMs / 1000).toFixed(1)} s, flip skew ${measured.hostSkewMs} ms (probe ${measured.probeSkewMs ?? '–'} ms)`)
        if (scenario.linkDelayMs) {
          // Its twin on loopback, right after it on the same hosts: whatever else loads the machine
          // loads both alike, so their ratio says what the slow link costs.
          for (const name of hostNames) sim.faults.setLinkDelay(name, 0)
          const twinSource = nextSource()
          const twin = await runGraduation({sim, scenario, source: twinSource, manifest: manifests[twinSource], home: fs.mkdtempSync(path.join(work, 'home-'))})
          for (const name of hostNames) sim.faults.setLinkDelay(name, scenario.linkDelayMs)
          twins.push({totalMs: twin.totalMs, ratio: measured.totalMs / twin.totalMs})
          log(`${scenario.name} run ${run}/${scenarioRuns}: the same on loopback ${(twin.totalMs / 1000).toFixed(1)} s (slow link ${(measured.totalMs / twin.totalMs).toFixed(2)}×)`)
        }
        if (scenario.sequential && !flags['no-sequential']) {
          const baseline = await runSequential({sim, scenario, source: nextSource(), work})
          sequential.push(baseline)
          log(`${scenario.name} run ${run}/${scenarioRuns}: one after another ${(baseline.totalMs / 1000).toFixed(1)} s, flip skew ${baseline.hostSkewMs} ms`)
        }
      }
      let attribution = null
      if (flags.attribute && !noAttribution) {
        // One more graduation, under perf: its own overhead stays out of the measured runs.
        const source = nextSource()
        attribution = (await runGraduation({sim, scenario, source, manifest: manifests[source], home: fs.mkdtempSync(path.join(work, 'home-')), attributeCpu: true})).attribution
        log(`${scenario.name} attributed: simulated Dokku ${(attribution.testBedMs / 1000).toFixed(1)} s, graduate's gate ${(attribution.gateMs / 1000).toFixed(1)} s, graduate ${(attribution.cliMs / 1000).toFixed(1)} s`)
      }
      results.push({...summariseScenario(scenario, graduations, sequential, twins), attribution})
    } finally {
      await sim.stop()
    }
  } finally {
    fs.rmSync(work, {recursive: true, force: true})
  }
}

const help = await measureHelpColdStart(Math.max(runs, 10))
const date = new Date().toISOString()
const gitRevision = spawnSync('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD'], {encoding: 'utf8'}).stdout.trim()
const outDir = flags.quick ? path.join(REPOSITORY, 'bench', 'out') : path.join(REPOSITORY, 'bench')
for (const entry of results) entry.measured = {date, gitRevision, runs}
const document = {
  date,
  machine: {cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.type()} ${os.release()}`},
  gitRevision,
  runs,
  quick: flags.quick,
  scenarios: flags.merge ? mergeScenarios(readDocument(path.join(outDir, 'results.json')), results) : results,
  readCommandCpu,
  helpColdStartMs: summarise(help),
}
// With --merge, the scenarios kept from the earlier document keep their before columns too.
if (flags.before) document.before = beforeDocument(readDocument(path.resolve(flags.before)), document.scenarios)

fs.mkdirSync(outDir, {recursive: true})
fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(document, null, 2)}\n`)
fs.writeFileSync(path.join(outDir, 'RESULTS.md'), renderResults(document))
log(`wrote ${path.relative(REPOSITORY, path.join(outDir, 'RESULTS.md'))} and results.json`)
if (flags.json) process.stdout.write(`${JSON.stringify(document)}\n`)
else process.stdout.write(renderResults(document))

function readDocument(file) {
  if (!fs.existsSync(file)) throw new Error(`no results document at ${file}; run the benchmark without --merge/--before first`)
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

/** The scenarios of an earlier document, in the order of SCENARIOS, with those run now replacing theirs. */
function mergeScenarios(earlier, now) {
  const measuredAt = {date: earlier.date, gitRevision: earlier.gitRevision, runs: earlier.runs}
  const byName = new Map(earlier.scenarios.map((entry) => [entry.scenario.name, {measured: measuredAt, ...entry}]))
  for (const entry of now) byName.set(entry.scenario.name, entry)
  const order = SCENARIOS.map((scenario) => scenario.name)
  return [...byName.values()].sort((a, b) => order.indexOf(a.scenario.name) - order.indexOf(b.scenario.name))
}

/** What the earlier document measured of the scenarios run now (and of the loopback scenarios they compare with). */
function beforeDocument(earlier, now) {
  const names = new Set(now.flatMap((entry) => [entry.scenario.name, entry.scenario.loopback].filter(Boolean)))
  return {date: earlier.date, gitRevision: earlier.gitRevision, runs: earlier.runs, scenarios: earlier.scenarios.filter((entry) => names.has(entry.scenario.name))}
}

function summariseScenario(scenario, graduations, sequential, twins = []) {
  const idealMs = scenario.buildMs + scenario.checkMs + scenario.hookMs + scenario.releaseTailMs
  const phases = {}
  for (const stage of new Set(graduations.flatMap((run) => Object.keys(run.phases)))) phases[stage] = summarise(graduations.map((run) => run.phases[stage]))
  return {
    scenario,
    idealMs,
    runs: graduations.length,
    outcomes: graduations.map((run) => run.outcome),
    totalMs: summarise(graduations.map((run) => run.totalMs)),
    overhead: summarise(graduations.map((run) => run.totalMs / idealMs)),
    hostSkewMs: summarise(graduations.map((run) => run.hostSkewMs)),
    probeSkewMs: summarise(graduations.map((run) => run.probeSkewMs)),
    probeRoundMs: summarise(graduations.map((run) => run.probeRoundMs)),
    gateWakeMs: summarise(graduations.flatMap((run) => run.gateWakeMs)),
    connections: summarise(graduations.map((run) => run.connections)),
    commandsPerApp: summarise(graduations.map((run) => run.commandsPerApp)),
    peakRssMb: summarise(graduations.map((run) => run.peakRssMb)),
    cliCpuMs: summarise(graduations.map((run) => run.cliCpuMs)),
    otherCpuMs: summarise(graduations.map((run) => run.otherCpuMs)),
    hostsCpuMs: summarise(graduations.map((run) => run.hostsCpuMs)),
    hostsToCliCpu: summarise(graduations.map((run) => (run.cliCpuMs > 0 && run.hostsCpuMs != null ? run.hostsCpuMs / run.cliCpuMs : null))),
    phasesMs: phases,
    sequential: sequential.length
      ? {totalMs: summarise(sequential.map((run) => run.totalMs)), hostSkewMs: summarise(sequential.map((run) => run.hostSkewMs))}
      : null,
    // A slow-link scenario's runs each followed by the same graduation on loopback: their totals, and each pair's ratio.
    loopbackTwin: twins.length ? {totalMs: summarise(twins.map((twin) => twin.totalMs)), ratio: summarise(twins.map((twin) => twin.ratio))} : null,
  }
}
