import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * `graduate rollback production` after `graduate dev production`: the same protocol with each app's
 * previous revision, the manifest's rollback hook instead of the POST hook, one release for all. Each
 * CLI run has a fresh home, so no git cache helps: the old revisions come from the targets themselves.
 */
describe('rolling back a graduation', () => {
  let sim: Simulator
  let migrationLog: string
  let manifest: string
  let graduation: CliResult

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: scratchHome().env})
  const app = (name: keyof typeof TARGETS) => sim.state().hosts.find((host) => host.name === TARGETS[name])!.apps.find((entry) => entry.name === name)!
  const records = (host: string) => sim.state().hosts.find((entry) => entry.name === host)!.environments['production']!.records as Array<Record<string, unknown>>

  beforeAll(async () => {
    migrationLog = scratchFile('migrations.log')
    sim = await startSimulator(scenarioConfig(migrationLog))
    manifest = writeManifest(scenarioManifest(sim, {hooks: {rollback: [{label: 'Migrate back', run: {app: 'api', command: 'bin/migrate'}}]}}))
    graduation = await cli(['dev', 'production', '--yes', '--json'])
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('starts from a graduation that moved api, web and worker to v2', async () => {
    expect(graduation.code, graduation.stderr).toBe(0)
    for (const name of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[name], name)).toBe(sim.revisions[name]![1])
  })

  it('a dry run shows exactly what moves back, and changes nothing', async () => {
    const result = await cli(['rollback', 'production', '--dry-run'])
    expect(result.code, result.stderr).toBe(0)
    const short = (name: string, index: number) => sim.revisions[name]![index]!.slice(0, 7)
    for (const name of ['api', 'web', 'worker']) expect(result.stderr).toContain(`${short(name, 1)} → ${short(name, 0)}`)
    expect(result.stderr).toMatch(/docs .*unchanged, skip/)
    expect(result.stdout).toContain(`would roll back to what ran before ${graduation.events[0]!.id}`)
    expect(app('api').builds).toHaveLength(2)
  })

  it('refuses an id that is not recorded, naming the command that lists them', async () => {
    const result = await cli(['rollback', 'production', '--to', '20990101T000000Z-0000', '--yes'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no graduation 20990101T000000Z-0000 is recorded for production')
    expect(result.stderr).toContain('graduate history production')
  })

  describe('the rollback itself', () => {
    let result: CliResult

    beforeAll(async () => {
      result = await cli(['rollback', 'production', '--yes', '--json'])
    })

    it('puts every app the graduation changed back on its previous revision, and leaves the unchanged one alone', async () => {
      expect(result.code, result.stderr).toBe(0)
      expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'graduated', rollbackOf: graduation.events[0]!.id})
      for (const name of ['api', 'web', 'worker'] as const) {
        expect(await liveRev(sim, TARGETS[name], name)).toBe(sim.revisions[name]![0])
        const state = app(name)
        expect([state.branchSha, state.latestRev, state.gitRev]).toEqual([sim.revisions[name]![0], sim.revisions[name]![0], sim.revisions[name]![0]])
      }
      expect(app('docs').builds).toHaveLength(1)
    })

    it('ran the rollback hook, not the POST hook, with the restored code, after every app was held and before any went live', () => {
      const hooks = result.events.filter((event) => event.type === 'hook' && event['state'] === 'start')
      expect(hooks.map((event) => [event['phase'], event['label']])).toEqual([['rollback', 'Migrate back']])
      const lines = fs.readFileSync(migrationLog, 'utf8').trim().split('\n')
      expect(lines).toHaveLength(2)
      const [gitRev, version, at] = lines[1]!.split(' ')
      expect([gitRev, version]).toEqual([sim.revisions['api']![0], 'v1'])
      const heldAt = result.events.filter((event) => event.type === 'app' && event['state'] === 'held').map((event) => Date.parse(event.ts))
      expect(heldAt).toHaveLength(3)
      expect(Number(at)).toBeGreaterThanOrEqual(Math.max(...heldAt))
      for (const name of ['api', 'web', 'worker'] as const) expect(app(name).liveSince!).toBeGreaterThan(Number(at))
    })

    it('records the rollback next to the graduation on every target host', () => {
      for (const host of ['prod-1', 'prod-2']) {
        const kinds = records(host).map((record) => [record['kind'], record['outcome'], record['rollbackOf'] ?? null])
        expect(kinds).toEqual(expect.arrayContaining([['graduation', 'graduated', null], ['rollback', 'graduated', graduation.events[0]!.id]]))
      }
    })

    it('has nothing left to roll back once the only graduation is undone', async () => {
      const again = await cli(['rollback', 'production', '--yes'])
      expect(again.code).toBe(3)
      expect(again.stderr).toContain('nothing to roll back')
    })
  })
})

describe('a rollback whose hook fails', () => {
  let sim: Simulator

  beforeAll(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('aborts every app, so the graduated revisions keep serving', async () => {
    const manifest = writeManifest(scenarioManifest(sim, {hooks: {rollback: [{label: 'Migrate back', local: 'echo "cannot undo migration 42" >&2; exit 3'}]}}))
    const graduated = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest])
    expect(graduated.code, graduated.stderr).toBe(0)
    const result = await runCli(['rollback', 'production', '--yes', '--json', '-m', manifest])
    expect(result.code, result.stderr).toBe(1)
    expect(result.events.at(-1)).toMatchObject({outcome: 'aborted', rollbackOf: graduated.events[0]!.id})
    for (const name of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[name], name)).toBe(sim.revisions[name]![1])
  })
})
