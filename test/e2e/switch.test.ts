import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {dataDir} from '../simulator/host/paths.js'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {gitEnv, liveRev, run, waitFor, WorkingCopy} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, startCli, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * The second hold point (issue 12): after the release each deploy's tail takes its own time — here
 * 1.5 s ± 1 s per nginx rebuild, so without the switch api and web (both on prod-1) would reload
 * nginx up to 2 s apart — and the released deploys wait at nginx-pre-reload until graduate sends
 * one switch to every host.
 */
const APPS = ['api', 'web', 'worker'] as const

interface ProbeRound {
  revs: Record<string, string | undefined>
}

/** Reads what every app serves, all at once, round after round, until stopped: what a user would see. */
function probeRouters(sim: Simulator): {stop: () => Promise<ProbeRound[]>} {
  const rounds: ProbeRound[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const revs = await Promise.all(APPS.map((app) => liveRev(sim, TARGETS[app], app)))
      rounds.push({revs: Object.fromEntries(APPS.map((app, index) => [app, revs[index]]))})
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return rounds
    },
  }
}

function summaryOf(result: CliResult): Record<string, unknown> {
  return result.events.at(-1) as Record<string, unknown>
}

describe('the switch: every released app reloads nginx together', () => {
  let sim: Simulator
  let manifest: string
  let graduation: CliResult
  let rounds: ProbeRound[]
  const env = scratchHome().env

  beforeAll(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log'), {releaseTailMs: 1500}))
    for (const host of ['prod-1', 'prod-2']) sim.faults.setReleaseTail(host, 1500, 1000)
    manifest = writeManifest(scenarioManifest(sim))
    const probe = probeRouters(sim)
    graduation = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env})
    rounds = await probe.stop()
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('graduates, exit 0', () => {
    expect(graduation.code, graduation.stderr).toBe(0)
    expect(summaryOf(graduation)).toMatchObject({outcome: 'graduated', exitCode: 0})
  })

  it('switched the apps of each host in one nginx reload: the same instant on the host', () => {
    const prod1 = sim.state().hosts.find((host) => host.name === 'prod-1')!
    const since = (app: string) => prod1.apps.find((entry) => entry.name === app)!.liveSince
    expect(since('api')).not.toBeNull()
    expect(since('web')).toBe(since('api'))
  })

  it('a user saw the apps of one host change within one round of the router probe', () => {
    // The probe reads the apps side by side, so one reload can fall between two of its reads: at most
    // one round apart. (Across hosts the skew is a matter of speed, measured by the benchmark.)
    const newRev = (app: (typeof APPS)[number]) => sim.revisions[app]!.at(-1)
    const firstNew = (app: (typeof APPS)[number]) => rounds.findIndex((round) => round.revs[app] === newRev(app))
    for (const app of APPS) expect(firstNew(app), `${app} went live while the probe ran`).toBeGreaterThanOrEqual(0)
    expect(Math.abs(firstNew('api') - firstNew('web'))).toBeLessThanOrEqual(1)
  })

  it('switches with one command per host: the word goes down the channel each host holds open', () => {
    const switchCommands = (host: string) =>
      sim.state().hosts.find((entry) => entry.name === host)!.journal.map((entry) => entry.command).filter((command) => /^graduate:(await-switch|switch) /.test(command))
    expect(switchCommands('prod-1')).toEqual([expect.stringMatching(/^graduate:await-switch \S+ \d+ --then-switch api web$/)])
    expect(switchCommands('prod-2')).toEqual([expect.stringMatching(/^graduate:await-switch \S+ \d+ --then-switch worker$/)])
  })

  it('reports which apps shared a reload, and each app\'s live time and the skew', () => {
    const summary = summaryOf(graduation)
    expect(summary['switch']).toEqual([
      {host: expect.stringContaining(String(sim.host('prod-1').port)), together: ['api', 'web'], alone: [], at: expect.any(String)},
      {host: expect.stringContaining(String(sim.host('prod-2').port)), together: ['worker'], alone: [], at: expect.any(String)},
    ])
    expect(summary['flipSkewMs']).toEqual(expect.any(Number))
    for (const app of summary['apps'] as Array<Record<string, unknown>>) {
      if (app['result'] === 'live') expect(app['liveAt']).toEqual(expect.any(String))
    }
    expect(graduation.events.filter((event) => event.type === 'switch')).toHaveLength(1)
  })

  describe('a host whose nginx-pre-reload never comes, and an unrelated deploy meanwhile', () => {
    let rollback: CliResult
    let unrelatedPush: {code: number | null; stderr: string}
    let blog: WorkingCopy | undefined

    beforeAll(async () => {
      // worker's rebuilds on prod-2 run no nginx-pre-reload and take long: api and web wait at the
      // switch until worker's deploy has ended, and an unrelated app is deployed on prod-1 meanwhile.
      const skipped = sim.faults.skipNginxPreReload('prod-2', 'worker')
      sim.faults.setReleaseTail('prod-2', 4000)
      const running = startCli(['rollback', 'production', '--yes', '--json', '-m', manifest], {env})
      const switchFile = path.join(dataDir(sim.paths('prod-1'), 'graduate', 'api'), 'switch')
      await waitFor('api to wait at the nginx switch', () => fs.existsSync(switchFile), {timeoutMs: 90_000})

      blog = await WorkingCopy.clone(sim, 'dev', 'docs')
      unrelatedPush = await run('git', ['-C', blog.dir, 'push', 'dokku@127.0.0.1:blog', 'HEAD:main'], {env: gitEnv(sim, 'prod-1')})
      rollback = await running.result
      skipped.remove()
    })

    afterAll(() => blog?.remove())

    it('is never blocked at its own nginx reload', async () => {
      expect(unrelatedPush.code, unrelatedPush.stderr).toBe(0)
      expect(unrelatedPush.stderr).not.toContain('graduate:')
      expect(await liveRev(sim, 'prod-1', 'blog')).toBe(sim.revisions['docs']![0])
    })

    it('rolls back anyway: exit 0, a warning naming the app that switched on its own', () => {
      expect(rollback.code, rollback.stderr).toBe(0)
      expect(summaryOf(rollback)).toMatchObject({outcome: 'graduated', exitCode: 0})
      const warnings = rollback.events.filter((event) => event.type === 'warning').map((event) => String(event['message']))
      expect(warnings).toContainEqual(expect.stringMatching(/^worker did not switch together with the others: its deploy ended without stopping at the nginx switch/))
      expect(summaryOf(rollback)['switch']).toEqual([
        expect.objectContaining({together: ['api', 'web'], alone: []}),
        expect.objectContaining({together: [], alone: [{app: 'worker', why: expect.stringContaining('runs no nginx-pre-reload'), kind: 'own'}]}),
      ])
    })

    it('leaves every app on its previous revision', async () => {
      for (const app of APPS) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![0])
    })
  })

  describe('a connection that drops during the release tail', () => {
    let again: CliResult

    beforeAll(async () => {
      // prod-2's whole SSH connection drops as its await-switch starts answering: worker's push stream
      // dies with it (its deploy goes on, observed §4) and the word cannot reach the host.
      const dropped = sim.faults.command({host: 'prod-2', match: 'graduate:await-switch', action: {kind: 'drop', afterOutputBytes: 1}, once: true})
      again = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env})
      dropped.remove()
    })

    it('graduates: the cut-off deploy is awaited on the host and found live, with a warning about its branch', async () => {
      expect(again.code, again.stderr).toBe(0)
      expect(summaryOf(again)).toMatchObject({outcome: 'graduated', exitCode: 0})
      const warnings = again.events.filter((event) => event.type === 'warning').map((event) => String(event['message']))
      expect(warnings).toContainEqual(expect.stringMatching(/^worker on \S+ is live on \w+, but its push connection was cut/))
      for (const app of APPS) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]!.at(-1))
    })

    it('switches the host the word could not reach with graduate:switch', () => {
      const commands = sim.state().hosts.find((entry) => entry.name === 'prod-2')!.journal.map((entry) => entry.command)
      expect(commands.filter((command) => /^graduate:(await-switch|switch) /.test(command)).slice(-2)).toEqual([
        expect.stringMatching(/^graduate:await-switch \S+ \d+ --then-switch worker$/),
        expect.stringMatching(/^graduate:switch \S+ worker$/),
      ])
      expect(summaryOf(again)['switch']).toEqual([expect.objectContaining({together: ['api', 'web']}), expect.objectContaining({together: ['worker']})])
    })
  })
})
