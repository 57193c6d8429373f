// bench/RESULTS.md from the results document: one table of measures, the targets, and how the
// time of a graduation divides into its stages.

const fmt = {
  s: (ms) => (ms / 1000).toFixed(1),
  ms: (ms) => String(Math.round(ms)),
  x: (value) => value.toFixed(2),
  n: (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1)),
  mb: (value) => value.toFixed(0),
}

function range(summary, format) {
  if (!summary) return '–'
  return `${format(summary.min)} / **${format(summary.median)}** / ${format(summary.max)}`
}

export function renderResults(document) {
  const lines = []
  lines.push('# Benchmark results', '')
  lines.push(
    `${document.date.slice(0, 10)} · ${document.machine.cpus} CPUs (${document.machine.cpuModel}) · Node ${document.machine.node} · ${document.machine.platform} · graduate ${document.gitRevision} · ${document.runs} runs per scenario${document.quick ? ' · **quick mode: durations ÷10, not for judging targets**' : ''}`,
    '',
  )
  lines.push(
    'Every cell is min / **median** / max over the runs. All simulated hosts and the CLI share this one machine, so the',
    'hosts’ own work (each Dokku command runs Dokku’s bash entry script, its xargs re-parsing and a small client of the',
    'simulator’s in-process core server) competes with graduate for the same cores.',
    '',
  )
  const header = ['measure', ...document.scenarios.map((entry) => `${entry.scenario.name}`)]
  const row = (label, cell) => `| ${label} | ${document.scenarios.map(cell).join(' | ')} |`
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`)
  const revisions = new Set(document.scenarios.map((entry) => entry.measured?.gitRevision ?? document.gitRevision))
  // A merged document (`--merge`) says which columns were measured when.
  if (revisions.size > 1) lines.push(row('measured with graduate', (entry) => (entry.measured ? `${entry.measured.gitRevision}, ${entry.measured.date.slice(0, 10)}` : document.gitRevision)))
  lines.push(row('apps × target hosts', (entry) => `${entry.scenario.apps} × ${entry.scenario.hosts}`))
  lines.push(row('build + checks + hook + Dokku release tail per app (s)', (entry) => `${fmt.s(entry.scenario.buildMs)} + ${fmt.s(entry.scenario.checkMs)} + ${fmt.s(entry.scenario.hookMs)} + ${fmt.s(entry.scenario.releaseTailMs)}${entry.scenario.releaseTailJitterMs ? ` ±${fmt.s(entry.scenario.releaseTailJitterMs)}` : ''}`))
  lines.push(row('SSH link round trip (ms)', (entry) => (entry.scenario.linkDelayMs ? fmt.ms(2 * entry.scenario.linkDelayMs) : 'loopback')))
  lines.push(row('runs', (entry) => String(entry.runs ?? document.runs)))
  lines.push(row('outcome of every run', (entry) => outcomes(entry)))
  lines.push(row('ideal (s)', (entry) => fmt.s(entry.idealMs)))
  lines.push(row('total wall time (s)', (entry) => range(entry.totalMs, fmt.s)))
  lines.push(row('overhead (total / ideal)', (entry) => range(entry.overhead, fmt.x)))
  lines.push(row('the same graduation on loopback, right after each run (s)', (entry) => (entry.loopbackTwin ? range(entry.loopbackTwin.totalMs, fmt.s) : '–')))
  lines.push(row('total / the same on loopback', (entry) => {
    if (entry.loopbackTwin) return `${range(entry.loopbackTwin.ratio, fmt.x)} (each run / its twin)`
    const ratio = loopbackRatio(document.scenarios, entry)
    return ratio === null ? '–' : `${fmt.x(ratio)} (medians, ${entry.scenario.loopback})`
  }))
  lines.push(row('flip skew, hosts’ switch times (ms)', (entry) => range(entry.hostSkewMs, fmt.ms)))
  lines.push(row('flip skew, router probe (ms)', (entry) => range(entry.probeSkewMs, fmt.ms)))
  lines.push(row('router probe round (ms, its resolution)', (entry) => range(entry.probeRoundMs, fmt.ms)))
  lines.push(row('gate wake latency (ms)', (entry) => range(entry.gateWakeMs, fmt.ms)))
  lines.push(row('SSH connections per graduation', (entry) => range(entry.connections, fmt.n)))
  lines.push(row('remote commands per app', (entry) => range(entry.commandsPerApp, fmt.n)))
  lines.push(row('peak RSS of the CLI (MB)', (entry) => range(entry.peakRssMb, fmt.mb)))
  lines.push(row('CPU time of the CLI (s)', (entry) => range(entry.cliCpuMs, fmt.s)))
  lines.push(row('CPU time of everything else: the simulated hosts (s)', (entry) => range(entry.otherCpuMs, fmt.s)))
  lines.push(row('CPU time of the simulated hosts alone (s)', (entry) => range(entry.hostsCpuMs, fmt.s)))
  lines.push(row('simulated hosts’ CPU / the CLI’s CPU', (entry) => range(entry.hostsToCliCpu, fmt.x)))
  if (document.scenarios.some((entry) => entry.attribution)) {
    const split = (entry, cell) => (entry.attribution ? cell(entry.attribution) : '–')
    lines.push(row('one more run under perf: the simulated Dokku’s CPU (s)', (entry) => split(entry, (cpu) => fmt.s(cpu.testBedMs))))
    lines.push(row('… graduate’s gate plugin on the hosts (s)', (entry) => split(entry, (cpu) => fmt.s(cpu.gateMs))))
    lines.push(row('… the CLI, and its git and ssh helpers (s)', (entry) => split(entry, (cpu) => `${fmt.s(cpu.cliMs)}, ${fmt.s(cpu.cliChildrenMs)}`)))
    lines.push(row('… the simulated Dokku / graduate’s own (the CLI + its gate)', (entry) => split(entry, testBedToGraduate)))
  }
  lines.push(row('one after another: total (s)', (entry) => (entry.sequential ? range(entry.sequential.totalMs, fmt.s) : '–')))
  lines.push(row('one after another: flip skew (ms)', (entry) => (entry.sequential ? range(entry.sequential.hostSkewMs, fmt.ms) : '–')))
  lines.push(row('graduate’s speed-up over one after another', (entry) => (entry.sequential ? `${fmt.x(entry.sequential.totalMs.median / entry.totalMs.median)}×` : '–')))
  lines.push('')
  lines.push(`\`graduate --help\` cold start: ${range(document.helpColdStartMs, fmt.ms)} ms.`, '')
  if (document.readCommandCpu) {
    const read = document.readCommandCpu
    lines.push(
      `CPU per simulated read command (\`apps:report <app>\` as the simulated sshd runs it, ${read.totalMs.n} runs): ${range(read.totalMs, fmt.x)} ms —`,
      `its processes (bash, xargs, echo, the client) ${range(read.processesMs, fmt.x)} ms, the simulator process (sshd's spawn, the core server) ${range(read.simulatorProcessMs, fmt.x)} ms.`,
      '',
    )
  }

  lines.push('## Targets (medians)', '')
  lines.push('| target | measured | met |', '|---|---|---|')
  for (const target of targets(document)) lines.push(`| ${target.label} | ${target.measured} | ${target.met === null ? 'not run' : target.met ? 'yes' : '**no**'} |`)
  lines.push('')

  if (document.before) lines.push(...beforeAndAfter(document), '')

  const attributed = document.scenarios.filter((entry) => entry.attribution)
  if (attributed.length) {
    lines.push('## Where the hosts’ CPU goes (`--attribute`: one more run under perf, ms)', '')
    lines.push(
      'Each millisecond a process ran is charged to its nearest ancestor that is a gate script (graduate’s plugin:',
      'its verbs and hooks, with the jq, flock, mv… they start) or a part of the simulated Dokku (its `dokku` entry with',
      'xargs and echo, the core’s client, `config_sub`, and the simulator process: sshd, core server, routers, deploys, git).',
      '',
    )
    for (const entry of attributed) lines.push(`- **${entry.scenario.name}**: ${entry.attribution.byProcess.map((item) => `${item.name} ${fmt.ms(item.ms)}`).join(' · ')}`)
    lines.push('')
  }

  lines.push('## Where the time goes (median ms per stage)', '')
  const stages = [...new Set(document.scenarios.flatMap((entry) => Object.keys(entry.phasesMs)))]
  lines.push(`| stage | ${document.scenarios.map((entry) => entry.scenario.name).join(' | ')} |`, `|---|${document.scenarios.map(() => '---').join('|')}|`)
  for (const stage of stages) lines.push(`| ${stage} | ${document.scenarios.map((entry) => (entry.phasesMs[stage] ? fmt.ms(entry.phasesMs[stage].median) : '–')).join(' | ')} |`)
  lines.push('')
  lines.push(
    'How it is measured: `bench/README.md`.',
    '',
  )
  return `${lines.join('\n')}\n`
}

/**
 * What a slow link costs a graduation: the median over its runs of each run's total over its loopback
 * twin's (the same graduation run right after it, on the same hosts, without the delay), else the
 * median overhead over that of the loopback scenario, when both ran.
 */
function loopbackRatio(scenarios, entry) {
  if (entry.loopbackTwin) return entry.loopbackTwin.ratio.median
  const loopback = entry.scenario.loopback && scenarios.find((candidate) => candidate.scenario.name === entry.scenario.loopback)
  if (!loopback || !entry.overhead || !loopback.overhead) return null
  return entry.overhead.median / loopback.overhead.median
}

/**
 * The scenarios measured both now and in the `before` document (`--before <results.json>`), side by
 * side: what a change did to them.
 */
function beforeAndAfter(document) {
  const before = document.before
  const pairs = document.scenarios
    .map((after) => ({after, before: before.scenarios.find((entry) => entry.scenario.name === after.scenario.name)}))
    .filter((pair) => pair.before)
  if (pairs.length === 0) return []
  const lines = [`## Before and after (graduate ${before.gitRevision}, ${before.date.slice(0, 10)}, ${before.runs} runs → graduate ${document.gitRevision})`, '']
  const header = ['measure (min / **median** / max)', ...pairs.flatMap((pair) => [`${pair.after.scenario.name} before`, `${pair.after.scenario.name} after`])]
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`)
  const row = (label, cell) => lines.push(`| ${label} | ${pairs.flatMap((pair) => [cell(pair.before, before.scenarios), cell(pair.after, document.scenarios)]).join(' | ')} |`)
  row('total wall time (s)', (entry) => range(entry.totalMs, fmt.s))
  row('overhead (total / ideal)', (entry) => range(entry.overhead, fmt.x))
  row('total / the same on loopback', (entry, scenarios) => {
    const ratio = loopbackRatio(scenarios, entry)
    return ratio === null ? '–' : fmt.x(ratio)
  })
  row('preflight (ms)', (entry) => range(entry.phasesMs?.preflight, fmt.ms))
  row('remote commands per app', (entry) => range(entry.commandsPerApp, fmt.n))
  row('SSH connections per graduation', (entry) => range(entry.connections, fmt.n))
  row('flip skew, hosts’ switch times (ms)', (entry) => range(entry.hostSkewMs, fmt.ms))
  row('CPU time of the CLI (s)', (entry) => range(entry.cliCpuMs, fmt.s))
  row('CPU time of the simulated hosts alone (s)', (entry) => range(entry.hostsCpuMs, fmt.s))
  return lines
}

/** `graduated, exit 0 ×5`: how the runs ended, counted. */
function outcomes(entry) {
  if (!entry.outcomes) return '–'
  const counts = new Map()
  for (const outcome of entry.outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  return [...counts].map(([outcome, count]) => `${outcome} ×${count}`).join(', ')
}

/** The simulated Dokku's CPU over graduate's own: the CLI process and its gate plugin on the hosts. */
function testBedRatio(cpu) {
  return cpu ? cpu.testBedMs / (cpu.cliMs + cpu.gateMs) : null
}

function testBedToGraduate(cpu) {
  return fmt.x(testBedRatio(cpu))
}

function targets(document) {
  const scenario = (name) => document.scenarios.find((entry) => entry.scenario.name === name)
  const fifty = scenario('50x10')
  const ten = scenario('10x2')
  const wan = scenario('10x2-wan')
  const check = (entry, pick, limit, format, unit = '') => {
    const value = entry ? pick(entry) : null
    return {measured: value === null || value === undefined ? '–' : `${format(value)}${unit}`, met: value === null || value === undefined ? null : value <= limit}
  }
  return [
    {label: 'flip skew ≤ 200 ms at 50 apps over 10 hosts (hosts’ switch times)', ...check(fifty, (entry) => entry.hostSkewMs?.median, 200, fmt.ms, ' ms')},
    {label: 'flip skew ≤ 200 ms at 50 apps over 10 hosts (router probe)', ...check(fifty, (entry) => entry.probeSkewMs?.median, 200, fmt.ms, ' ms')},
    {label: 'flip skew ≤ 100 ms at 50 apps over 10 hosts with the switch (hosts’ switch times)', ...check(fifty, (entry) => entry.hostSkewMs?.median, 100, fmt.ms, ' ms')},
    {label: 'flip skew ≤ 50 ms at 10x2-tail, 5 s ± 1 s tails (hosts’ switch times)', ...check(scenario('10x2-tail'), (entry) => entry.hostSkewMs?.median, 50, fmt.ms, ' ms')},
    {label: 'overhead ≤ 1.15 at 10 apps', ...check(ten, (entry) => entry.overhead?.median, 1.15, fmt.x)},
    {label: 'overhead ≤ 1.15 at 50 apps', ...check(fifty, (entry) => entry.overhead?.median, 1.15, fmt.x)},
    {
      label: 'graduate ≥ 8× faster than one after another at 10 equal apps',
      ...(ten?.sequential
        ? {measured: `${fmt.x(ten.sequential.totalMs.median / ten.totalMs.median)}×`, met: ten.sequential.totalMs.median / ten.totalMs.median >= 8}
        : {measured: '–', met: null}),
    },
    {
      label: 'a 150 s release tail with a 30 s lease ends graduated, exit 0',
      ...(scenario('3x1-long-tail')?.outcomes
        ? {measured: outcomes(scenario('3x1-long-tail')), met: scenario('3x1-long-tail').outcomes.every((outcome) => outcome === 'graduated, exit 0')}
        : {measured: '–', met: null}),
    },
    {label: 'remote commands per app ≤ 4 at 10 apps over 2 hosts', ...check(ten, (entry) => entry.commandsPerApp?.median, 4, fmt.n)},
    {label: 'remote commands per app ≤ 4 at 50 apps over 10 hosts', ...check(fifty, (entry) => entry.commandsPerApp?.median, 4, fmt.n)},
    {label: 'preflight ≤ 2 s at 50 apps over 10 hosts', ...check(fifty, (entry) => entry.phasesMs?.preflight?.median, 2000, fmt.s, ' s')},
    {label: 'an 80 ms round trip costs ≤ 1.10 × the same graduation on loopback (10 apps)', ...check(wan, (entry) => loopbackRatio(document.scenarios, entry), 1.1, fmt.x, '×')},
    {label: 'CPU per simulated read command ≤ 15 ms', ...check(document, (entry) => entry.readCommandCpu?.totalMs?.median, 15, fmt.x, ' ms')},
    {label: 'all the hosts’ CPU, graduate’s gate plugin included, ≤ 5 × the CLI’s at 10 apps', ...check(ten, (entry) => entry.hostsToCliCpu?.median, 5, fmt.x, '×')},
    {label: 'all the hosts’ CPU, graduate’s gate plugin included, ≤ 5 × the CLI’s at 50 apps', ...check(fifty, (entry) => entry.hostsToCliCpu?.median, 5, fmt.x, '×')},
    {label: 'the simulated Dokku’s CPU ≤ 5 × graduate’s own (the CLI + its gate plugin, `--attribute`) at 10 apps', ...check(ten, (entry) => testBedRatio(entry.attribution), 5, fmt.x, '×')},
    {label: 'the simulated Dokku’s CPU ≤ 5 × graduate’s own (the CLI + its gate plugin, `--attribute`) at 50 apps', ...check(fifty, (entry) => testBedRatio(entry.attribution), 5, fmt.x, '×')},
    {label: 'peak RSS ≤ 200 MB at 50 apps', ...check(fifty, (entry) => entry.peakRssMb?.median, 200, fmt.mb, ' MB')},
    {label: '`graduate --help` cold start ≤ 400 ms', ...check(document, (entry) => entry.helpColdStartMs?.median, 400, fmt.ms, ' ms')},
  ]
}
