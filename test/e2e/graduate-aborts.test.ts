import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, ssh} from '../support/sim-client.js'
import {runCli, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * Any failure before the decision aborts every app: exit 1, every target still serves its old
 * revision (branch, image tag and GIT_REV included), and the summary names the cause.
 */
describe('an aborted graduation changes nothing', () => {
  let sim: Simulator
  let migrationLog: string

  beforeAll(async () => {
    migrationLog = scratchFile('migrations.log')
    sim = await startSimulator(scenarioConfig(migrationLog))
  })

  afterAll(async () => {
    await sim?.stop()
  })

  async function expectEveryAppOld(): Promise<void> {
    for (const app of ['api', 'web', 'worker', 'docs'] as const) {
      const old = sim.revisions[app]![0]
      expect(await liveRev(sim, TARGETS[app], app), `${app} serves its old revision`).toBe(old)
      const state = sim.state().hosts.find((host) => host.name === TARGETS[app])!.apps.find((entry) => entry.name === app)!
      expect(state.branchSha, `${app}'s deploy branch`).toBe(old)
      expect(state.latestRev, `${app}'s latest image`).toBe(old)
      expect(state.gitRev, `${app}'s GIT_REV`).toBe(old)
    }
    expect(sim.state().hosts.find((host) => host.name === 'prod-1')!.environments['production']?.lock ?? null).toBeNull()
  }

  async function graduateWith(condition: {host?: string; app?: string; config?: string}, manifestExtra: Parameters<typeof scenarioManifest>[1] = {}) {
    if (condition.config) expect((await ssh(sim, condition.host!, ['config:set', '--no-restart', condition.app!, condition.config])).code).toBe(0)
    try {
      return await runCli(['dev', 'production', '--yes', '--json', '-m', writeManifest(scenarioManifest(sim, manifestExtra))])
    } finally {
      if (condition.config) await ssh(sim, condition.host!, ['config:unset', '--no-restart', condition.app!, condition.config.split('=')[0]!])
    }
  }

  it('aborts everything when one app fails to build', async () => {
    const result = await graduateWith({host: 'prod-1', app: 'web', config: 'SIM_BUILD_FAILS=1'})
    expect(result.code, result.stderr).toBe(1)
    const summary = result.events.at(-1)!
    expect(summary).toMatchObject({type: 'summary', outcome: 'aborted', exitCode: 1})
    expect(summary['cause']).toMatch(/web on dokku@127\.0\.0\.1:\d+: the build failed/)
    expect((summary['apps'] as Array<Record<string, unknown>>).find((app) => app['app'] === 'web')).toMatchObject({result: 'failed', lastLines: expect.arrayContaining([expect.stringContaining('App build failed')])})
    await expectEveryAppOld()
    expect(fs.existsSync(migrationLog)).toBe(false)
  })

  it("aborts everything when one app fails Dokku's checks", async () => {
    const result = await graduateWith({host: 'prod-2', app: 'worker', config: 'SIM_CHECK_FAILS=1'})
    expect(result.code, result.stderr).toBe(1)
    expect(result.events.at(-1)!['cause']).toMatch(/worker on .*health checks failed \(web\.1\)/)
    await expectEveryAppOld()
    expect(fs.existsSync(migrationLog)).toBe(false)
  })

  it('aborts everything when the POST hook fails, after every app was held', async () => {
    const result = await graduateWith({host: 'prod-1', app: 'api', config: 'MIGRATION_FAILS=1'})
    expect(result.code, result.stderr).toBe(1)
    expect(result.events.filter((event) => event.type === 'app' && event['state'] === 'held')).toHaveLength(3)
    expect(result.events.at(-1)!['cause']).toMatch(/post hook "Migrate database" failed with exit code 4/)
    expect(result.events.some((event) => event.type === 'hook-output' && String(event['line']).includes('column already exists'))).toBe(true)
    await expectEveryAppOld()
  })

  it('aborts before deploying anything when a PRE hook fails', async () => {
    const result = await graduateWith({}, {hooks: {pre: [{label: 'Check the release calendar', local: 'echo "frozen until Monday" >&2; exit 3'}]}})
    expect(result.code, result.stderr).toBe(1)
    expect(result.events.at(-1)!['cause']).toMatch(/pre hook "Check the release calendar" failed with exit code 3/)
    expect(result.events.some((event) => event.type === 'app' && event['state'] === 'pushing')).toBe(false)
    await expectEveryAppOld()
  })

  it('changes nothing with --dry-run and prints the plan', async () => {
    const result = await runCli(['dev', 'production', '--dry-run', '--json', '-m', writeManifest(scenarioManifest(sim))])
    expect(result.code, result.stderr).toBe(0)
    const plan = result.events.find((event) => event.type === 'plan')!
    expect((plan['apps'] as Array<Record<string, unknown>>).map((app) => [app['app'], app['action']])).toEqual([
      ['api', 'deploy'],
      ['web', 'deploy'],
      ['worker', 'deploy'],
      ['docs', 'skip'],
    ])
    expect(result.events.at(-1)).toMatchObject({outcome: 'dry-run', exitCode: 0})
    await expectEveryAppOld()
  })
})
