import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, ssh} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * Dokku's release tail longer than the gates' lease, as on a loaded real host (issue 12: the switch 68 s
 * and the deploys' ends more than 140 s after the release, with a 30 s lease). Scaled down here: a 3 s
 * lease and a 9 s tail before each of the deploy's two nginx reloads — three leases to the switch, and
 * the deploy's end (18 s) past the lock's 10 s minimum time to live, so the graduation only ends
 * `graduated` if it waits for Dokku's own end of each deploy and keeps its lock alive.
 */
const LEASE_S = 3
const TAIL_MS = 3 * LEASE_S * 1000

describe('a release tail longer than the lease', () => {
  let sim: Simulator
  let hookLog: string
  let manifest: string
  let graduation: CliResult

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: scratchHome().env})
  const hookRuns = () => (fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').trim().split('\n') : [])

  beforeAll(async () => {
    const migrationLog = scratchFile('migrations.log')
    hookLog = scratchFile('after-hooks.log')
    sim = await startSimulator(scenarioConfig(migrationLog, {releaseTailMs: TAIL_MS}))
    const base = scenarioManifest(sim, {
      hooks: {
        rollback: [{label: 'Migrate back', run: {app: 'api', command: 'bin/migrate'}}],
        released: [{label: 'Note release', local: `echo "released $GRADUATE_OUTCOME" >> '${hookLog}'`}],
        aborted: [{label: 'Note abort', local: `echo "aborted $GRADUATE_OUTCOME" >> '${hookLog}'`}],
      },
    })
    manifest = writeManifest({...base, options: {lease: `${LEASE_S}s`}})
    graduation = await cli(['dev', 'production', '--yes', '--json'])
  })

  // The rollback runs once the graduation's own checks have read the state it left.
  const rolledBack = (() => {
    let run: Promise<CliResult> | undefined
    return () => (run ??= cli(['rollback', 'production', '--yes', '--json']))
  })()

  afterAll(async () => {
    await sim?.stop()
  })

  it('graduates: exit 0, every changed app live on its new revision', () => {
    expect(graduation.code, graduation.stderr).toBe(0)
    expect(graduation.events.at(-1)).toMatchObject({type: 'summary', outcome: 'graduated', exitCode: 0})
  })

  it('said which deploys Dokku was still finishing while it waited', () => {
    const waits = graduation.events.filter((event) => event.type === 'deploys-running')
    expect(waits.length).toBeGreaterThan(0)
    expect(waits[0]!['apps']).toEqual(expect.arrayContaining(['api', 'web', 'worker']))
    // It waited past the lease: the tail was not cut at the lease's end.
    expect(Math.max(...waits.map((event) => event['sinceDecisionMs'] as number))).toBeGreaterThan(LEASE_S * 1000)
  })

  it('rolls back the same way: exit 0, every app back on its previous revision', async () => {
    const rollback = await rolledBack()
    expect(rollback.code, rollback.stderr).toBe(0)
    expect(rollback.events.at(-1)).toMatchObject({type: 'summary', outcome: 'graduated', exitCode: 0})
    for (const name of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[name], name)).toBe(sim.revisions[name]![0])
  })

  it('ran the released hooks after each, and never the aborted ones', async () => {
    await rolledBack()
    expect(hookRuns()).toEqual(['released released', 'released released'])
  })

  it('disarmed every gate, released the lock, and recorded both as graduated', async () => {
    await rolledBack()
    for (const host of ['prod-1', 'prod-2']) {
      const status = JSON.parse((await ssh(sim, host, ['graduate:status', '--format', 'json'])).stdout) as {apps: Array<{state: string}>}
      expect(status.apps.every((app) => app.state === 'unarmed')).toBe(true)
      const environment = sim.state().hosts.find((entry) => entry.name === host)!.environments['production']!
      expect(environment.lock).toBeNull()
      expect(environment.records.map((record) => (record as {outcome: string}).outcome)).toEqual(['graduated', 'graduated'])
    }
  })
})
