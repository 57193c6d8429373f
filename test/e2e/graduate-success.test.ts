import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, ssh} from '../support/sim-client.js'
import {type CliResult, runCli, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * `graduate dev production` through the built binary over SSH: three changed apps on two target
 * hosts and one unchanged app, with a migration as the POST hook.
 */
describe('a successful graduation', () => {
  let sim: Simulator
  let migrationLog: string
  let result: CliResult

  beforeAll(async () => {
    migrationLog = scratchFile('migrations.log')
    sim = await startSimulator(scenarioConfig(migrationLog))
    result = await runCli(['dev', 'production', '--yes', '--json', '-m', writeManifest(scenarioManifest(sim))])
  })

  afterAll(async () => {
    await sim?.stop()
  })

  const summary = () => result.events.at(-1) as Record<string, any>
  const appState = (app: keyof typeof TARGETS) => sim.state().hosts.find((host) => host.name === TARGETS[app])!.apps.find((entry) => entry.name === app)!

  it('exits 0 with a graduated summary as the last event', () => {
    expect(result.code, result.stderr).toBe(0)
    expect(summary()).toMatchObject({type: 'summary', outcome: 'graduated', exitCode: 0, from: 'dev', to: 'production'})
  })

  it('serves the new revision of every changed app and leaves the unchanged one alone', async () => {
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])
    expect(await liveRev(sim, 'prod-2', 'docs')).toBe(sim.revisions['docs']![0])
    const apps = summary()['apps'] as Array<Record<string, unknown>>
    expect(apps.find((entry) => entry['app'] === 'docs')).toMatchObject({result: 'skipped'})
    expect(appState('docs').builds).toHaveLength(1)
  })

  it('reports what the hosts say: each app summary matches the simulator state', () => {
    for (const entry of summary()['apps'] as Array<{app: keyof typeof TARGETS; liveRev: string; to: string; from: string}>) {
      const state = appState(entry.app)
      expect(entry.liveRev).toBe(state.liveRev)
      expect(state.branchSha).toBe(entry.to)
    }
  })

  it('ran the migration exactly once, with the new code, after every app was held and before any went live', () => {
    const lines = fs.readFileSync(migrationLog, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    const [gitRev, version, at] = lines[0]!.split(' ')
    expect(gitRev).toBe(sim.revisions['api']![1])
    expect(version).toBe('v2')
    const heldAt = result.events.filter((event) => event.type === 'app' && event['state'] === 'held').map((event) => Date.parse(event.ts))
    expect(heldAt).toHaveLength(3)
    expect(Number(at)).toBeGreaterThanOrEqual(Math.max(...heldAt))
    for (const app of ['api', 'web', 'worker'] as const) expect(appState(app).liveSince!).toBeGreaterThan(Number(at))
  })

  it('shows the hook output under its label and reports the flip skew', () => {
    expect(result.events.some((event) => event.type === 'hook-output' && event['label'] === 'Migrate database' && String(event['line']).includes('migrated the database to v2'))).toBe(true)
    expect(summary()['flipSkewMs']).toEqual(expect.any(Number))
    const liveTimes = (['api', 'web', 'worker'] as const).map((app) => appState(app).liveSince!)
    // The client-side skew and the hosts' own switch times agree to within the time it takes the output to arrive.
    expect(Math.abs((summary()['flipSkewMs'] as number) - (Math.max(...liveTimes) - Math.min(...liveTimes)))).toBeLessThan(1000)
  })

  it('leaves no gate armed, releases the lock and records the graduation on both target hosts', async () => {
    for (const host of ['prod-1', 'prod-2']) {
      const status = JSON.parse((await ssh(sim, host, ['graduate:status', '--format', 'json'])).stdout) as {apps: Array<{state: string}>}
      expect(status.apps.every((app) => app.state === 'unarmed')).toBe(true)
      const environment = sim.state().hosts.find((entry) => entry.name === host)!.environments['production']!
      expect(environment.lock).toBeNull()
      expect(environment.records).toEqual([expect.objectContaining({outcome: 'graduated', fromEnv: 'dev', env: 'production'})])
    }
  })

  it('never prints a config value', () => {
    expect(result.stdout + result.stderr).not.toContain('secret-password')
  })
})
