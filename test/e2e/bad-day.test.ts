import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import type {StatusReport} from '../../src/recovery/status.js'
import {liveRev, ssh, waitFor} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, simEnvironment, startCli, writeManifest} from '../support/cli.js'
import {TARGETS, crashGraduation, expiredOnHosts, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'
import {isAlive} from '../support/process-tree.js'

/*
 * What an operator meets on a bad day (issue 15): odd input from the environment, runners killed in
 * the middle, recovery advice, and hooks that must not outlive graduate.
 */
describe('an owner text from a CI environment', () => {
  let sim: Simulator

  beforeEach(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
  })

  afterEach(async () => {
    await sim?.stop()
  })

  it('with a newline and escape sequences is cleaned before it is sent or printed, and the graduation goes ahead', async () => {
    const home = scratchHome()
    const env = {...home.env, GITLAB_CI: 'true', CI_JOB_URL: 'https://ci.example.com/jobs/7\n\u001b[31mred'}
    const manifest = writeManifest(scenarioManifest(sim))
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env})
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const owner = result.events.find((event) => event.type === 'lock' && event['state'] === 'acquired')?.['owner']
    expect(owner).toMatch(/^\S+@\S+ \(GitLab CI job https:\/\/ci\.example\.com\/jobs\/7 red\)$/)
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])

    const history = await runCli(['history', 'production', '-m', manifest], {env: home.env})
    expect(history.code, history.stderr).toBe(0)
    expect(history.stdout).toContain('(GitLab CI job https://ci.example.com/jobs/7 red), took')
    expect(history.stdout).not.toContain('\u001b')
  })
})

const allHeld = (events: CliResult['events']) => events.filter((event) => event.type === 'app' && event['state'] === 'held').length === 3

describe('after a runner was killed', () => {
  let sim: Simulator
  let home: ReturnType<typeof scratchHome>

  beforeEach(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
    home = scratchHome()
  })

  afterEach(async () => {
    await sim?.stop()
  })

  const cli = (args: string[], manifest: string) => runCli([...args, '-m', manifest], {env: home.env})
  const status = async (manifest: string) => JSON.parse((await cli(['status', 'production', '--json'], manifest)).stdout) as StatusReport

  it('status says what to do next while held and once everything expired; abort then records the run as aborted, with who aborted it', async () => {
    // The first status must run while the dead runner's holds last: their lease is that window, 15 s, wide
    // enough for a CLI run on a loaded machine (with 6 s, two busy processes beside the suite closed it first).
    const manifest = writeManifest({...scenarioManifest(sim), hooks: {post: [{label: 'Wait for approval', local: 'sleep 60'}]}, options: {lease: '15s'}})
    const id = await crashGraduation(manifest, home.env, allHeld)

    const held = await cli(['status', 'production'], manifest)
    expect(held.stdout).toContain(`production: graduation ${id} in flight`)
    expect(held.stdout).toMatch(/\nnext: If its runner is gone: `graduate abort production` aborts what is armed or held \(or wait: each gate aborts on its own when its lease ends, by \d{4}-\d\d-\d\dT[\d:.]+Z\)\.\n/)

    // The gates' leases and the lock's (15 s each) end on their own.
    // Waiting on the hosts' state files runs no CLI while the leases run down; then status must agree.
    await waitFor('the lock and every gate lease to run out', () => expiredOnHosts(sim, id, {gates: true, lock: true}), {timeoutMs: 60_000, intervalMs: 200})
    await waitFor('the lock and every gate to expire', async () => (await status(manifest)).graduations.find((entry) => entry.id === id)?.state === 'ended', {timeoutMs: 60_000, intervalMs: 500})
    const ended = await cli(['status', 'production'], manifest)
    expect(ended.code, ended.stderr).toBe(0)
    expect(ended.stdout).toContain(`production: graduation ${id} ended without finishing (lock and gates expired); nothing of it is running`)
    expect(ended.stdout).not.toContain('in flight')
    expect(ended.stdout).toContain(
      `next: Graduation ${id} is over: its runner stopped, its gates ended on their own and its lock expired, so every app serves its old release. \`graduate abort production\` clears what it left and records it as aborted in \`graduate history production\`.`,
    )
    // Times read like every other field, never as epoch seconds.
    expect(ended.stdout).toMatch(/\(the lease ended at \d{4}-\d\d-\d\dT[\d:.]+Z without a decision\)/)
    expect(ended.stdout).not.toMatch(/\b\d{10}\b/)

    const aborted = await cli(['abort', 'production', '--yes'], manifest)
    expect(aborted.code, aborted.stderr).toBe(0)
    expect(aborted.stdout).toContain(`recorded graduation ${id} as aborted (\`graduate history production\` lists it)`)
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![0])

    const history = JSON.parse((await cli(['history', 'production', '--json'], manifest)).stdout) as {records: Array<Record<string, unknown> & {apps: Array<Record<string, unknown>>}>}
    const record = history.records.find((entry) => entry['id'] === id)
    expect(record, JSON.stringify(history)).toMatchObject({kind: 'graduation', env: 'production', fromEnv: 'dev', outcome: 'aborted', abortedBy: expect.stringMatching(/\S+@\S+/), owner: expect.stringMatching(/\S+@\S+/)})
    expect(String(record!['cause'])).toMatch(/^its runner was gone; aborted by \S+@\S+ with `graduate abort production`$/)
    expect(record!.apps.map((app) => [app['app'], app['result'], app['to'], app['liveRev']]).sort()).toEqual(
      (['api', 'web', 'worker'] as const).map((app) => [app, 'aborted', sim.revisions[app]![1], sim.revisions[app]![0]]),
    )
    const text = await cli(['history', 'production'], manifest)
    expect(text.stdout).toContain(`${id}  dev → production  aborted: its runner was gone; aborted by`)
    expect((await status(manifest)).inFlight).toEqual([])
  })

  it("status advises resume, not abort, once this machine's journal decided to release", async () => {
    // Neither host takes the release, so the runner dies with the decision written and every gate still holding.
    const hangs = ['prod-1', 'prod-2'].map((host) => sim.faults.command({host, match: 'graduate:release', action: {kind: 'hang'}, once: true}))
    const manifest = writeManifest({...scenarioManifest(sim), options: {lease: '600s'}})
    const id = await crashGraduation(manifest, home.env, (events) => events.some((event) => event.type === 'decision' && event['decision'] === 'release'))
    for (const hang of hangs) hang.remove()

    const report = await status(manifest)
    expect(report.apps.filter((app) => app.id === id).map((app) => [app.state, app.decision])).toEqual([
      ['held', null],
      ['held', null],
      ['held', null],
    ])
    const text = await cli(['status', 'production'], manifest)
    expect(text.stdout).toContain(`next: Graduation ${id} decided to release (this machine's journal says so): \`graduate resume ${id}\` finishes it; do not abort it.`)
    expect(text.stdout).not.toContain('graduate abort')

    const resumed = await cli(['resume', id, '--yes', '--json'], manifest)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({id, decision: 'release', decidedBy: 'journal'})
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])
  })
})

describe('a local hook', () => {
  let sim: Simulator
  let hookPid: number | undefined

  beforeEach(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
  })

  afterEach(async () => {
    // Whatever the test found, no hook is left running.
    if (hookPid !== undefined && isAlive(hookPid)) process.kill(-hookPid, 'SIGKILL')
    await sim?.stop()
  })

  it('dies with graduate: kill -9 while the POST hook runs, and its process group is stopped', async () => {
    // The hook's shell records its pid (its process group, too) and becomes the long-running command.
    const manifest = writeManifest({...scenarioManifest(sim), hooks: {post: [{label: 'Migrate', local: 'echo $$ > hook.pid; exec sleep 200'}]}, options: {lease: '30s'}})
    const pidFile = path.join(path.dirname(manifest), 'hook.pid')
    const home = scratchHome()
    const running = startCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env: home.env})
    let ended: Awaited<typeof running.result> | undefined
    void running.result.then((result) => (ended = result))
    // Bounded by graduate itself: it either reaches its POST hook or ends (and the test says how).
    hookPid = await waitFor(
      'the POST hook to start',
      () => {
        if (fs.existsSync(pidFile) && /^\d+\n$/.test(fs.readFileSync(pidFile, 'utf8'))) return Number(fs.readFileSync(pidFile, 'utf8'))
        if (ended) throw new Error(`graduate ended (exit ${ended.code}) before its POST hook started:\n${ended.stdout}${ended.stderr}`)
        return undefined
      },
      {timeoutMs: 110_000},
    )
    expect(isAlive(hookPid)).toBe(true)

    running.child.kill('SIGKILL')
    await running.result
    await waitFor('the hook to be stopped once graduate is gone', () => !isAlive(hookPid!), {timeoutMs: 30_000})
  })
})

describe('a dry run', () => {
  let sim: Simulator

  beforeEach(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
  })

  afterEach(async () => {
    await sim?.stop()
  })

  it('takes no lock: it goes ahead while another graduation holds it, says so, and leaves that lock as it was', async () => {
    const other = '20261123T101500Z-3f9a'
    for (const host of ['prod-1', 'prod-2']) {
      const taken = await ssh(sim, host, ['graduate:lock', 'production', other, '300', 'bob@elsewhere'])
      expect(taken.code, taken.stderr).toBe(0)
    }
    const lockOn = async (host: string) => (JSON.parse((await ssh(sim, host, ['graduate:lock-status', 'production', '--format', 'json'])).stdout) as {lock: unknown}).lock
    const before = await Promise.all(['prod-1', 'prod-2'].map(lockOn))
    expect(before).toMatchObject([{id: other}, {id: other}])

    const manifest = writeManifest(scenarioManifest(sim))
    const result = await runCli(['dev', 'production', '--dry-run', '--json', '-m', manifest])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'dry-run', exitCode: 0})
    expect(result.events.filter((event) => event.type === 'lock')).toEqual([])
    const warnings = result.events.filter((event) => event.type === 'warning').map((event) => String(event['message']))
    expect(warnings.filter((message) => message.includes(`production is locked on`) && message.includes(`by bob@elsewhere (graduation ${other})`) && message.endsWith('a graduation now would stop there (exit 4)'))).toHaveLength(2)
    expect(await Promise.all(['prod-1', 'prod-2'].map(lockOn))).toEqual(before)
  })
})

describe('wording', () => {
  let sim: Simulator

  beforeEach(async () => {
    const revisions = (label: string) => [1, 2].map((n) => ({message: `${label} v${n}`, files: {'app.txt': `${label} v${n}`}}))
    // production's Dokku app has a name of its own.
    sim = await startSimulator({
      hosts: [
        {name: 'dev', apps: [{name: 'billing', revisions: revisions('billing'), deploy: 2}]},
        {name: 'prod', apps: [{name: 'billing-prod', revisions: revisions('billing'), deploy: 1}]},
      ],
    })
  })

  afterEach(async () => {
    await sim?.stop()
  })

  const manifest = (apps: Record<string, null>) =>
    writeManifest({
      environments: {dev: simEnvironment(sim, 'dev'), production: {...simEnvironment(sim, 'prod'), apps: {billing: {name: 'billing-prod'}}}},
      apps,
      options: {lease: '30s'},
    })

  it("a preflight refusal's summary reads as one sentence per problem", async () => {
    const result = await runCli(['dev', 'production', '--yes', '-m', manifest({billing: null, ghost: null})])
    expect(result.code, result.stdout + result.stderr).toBe(3)
    expect(result.stdout).toMatch(/Refused: preflight found 2 problems; dokku@127\.0\.0\.1:\d+ ghost: /)
    expect(result.stdout + result.stderr).not.toContain(':;')
  })

  it('app events carry from and to; status names an app as history does, with its Dokku name where it differs', async () => {
    const file = manifest({billing: null})
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', file])
    expect(result.code, result.stderr).toBe(0)
    const planned = (result.events.find((event) => event.type === 'plan')!['apps'] as Array<{from: string; to: string}>)[0]!
    const {from, to} = planned
    expect(from).not.toBe(to)
    const states = result.events.filter((event) => event.type === 'app').map((event) => [event['state'], event['rev'], event['from'], event['to']])
    expect(states).toContainEqual(['held', to, from, to])
    expect(states).toContainEqual(['releasing', from, from, to])
    expect(states).toContainEqual(['live', to, from, to])
    const host = `dokku@127.0.0.1:${sim.host('prod').port}`
    const history = await runCli(['history', 'production', '-m', file])
    expect(history.stdout).toMatch(new RegExp(`\\n  billing  ${host.replace(/\./g, '\\.')} \\(billing-prod\\)  `))
    const status = await runCli(['status', 'production', '-m', file])
    expect(status.stdout).toContain(`  billing  ${host} (billing-prod)  unarmed`)
  })
})
