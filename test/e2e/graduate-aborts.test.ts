import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, ssh, waitFor} from '../support/sim-client.js'
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

  function appOnTarget(app: keyof typeof TARGETS) {
    return sim.state().hosts.find((host) => host.name === TARGETS[app])!.apps.find((entry) => entry.name === app)!
  }

  /** When the last push to `app` ended on its target host (its receive-pack returns once the deploy has ended), from the host's journal. */
  function lastPushEnded(app: keyof typeof TARGETS): number {
    const journal = sim.state().hosts.find((host) => host.name === TARGETS[app])!.journal
    const push = journal.filter((entry) => new RegExp(`^git-receive-pack '/?${app}'$`).test(entry.command)).at(-1)
    if (!push) throw new Error(`no push to ${app} in the journal of ${TARGETS[app]}: ${journal.map((entry) => entry.command).join(' | ')}`)
    return push.ts + push.durationMs
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

  it('aborts everything when the POST hook fails, after every app was held, and leaves none of their new containers behind', async () => {
    const changed = ['api', 'web', 'worker'] as const
    const before = new Map(changed.map((app) => [app, appOnTarget(app).containers]))
    const result = await graduateWith({host: 'prod-1', app: 'api', config: 'MIGRATION_FAILS=1'})
    expect(result.code, result.stderr).toBe(1)
    expect(result.events.filter((event) => event.type === 'app' && event['state'] === 'held')).toHaveLength(3)
    expect(result.events.at(-1)!['cause']).toMatch(/post hook "Migrate database" failed with exit code 4/)
    expect(result.events.some((event) => event.type === 'hook-output' && String(event['line']).includes('column already exists'))).toBe(true)
    await expectEveryAppOld()

    // Dokku leaves a held container it failed Exited (143) for good (observed §3); the gate removes the
    // ones it held once their deploy has ended: by disarm, or within moments by its own watcher.
    const deadline = Math.max(...changed.map(lastPushEnded)) + 10_000
    for (const app of changed) {
      const known = new Set(before.get(app)!.map((container) => container.id))
      const added = () => appOnTarget(app).containers.filter((container) => !known.has(container.id))
      await waitFor(`no container of ${app}'s aborted deploy to remain`, () => added().length === 0, {timeoutMs: Math.max(0, deadline - Date.now())}).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}: ${JSON.stringify(added())}`)
      })
      // Nothing else was touched: the old release's containers run on, under their names.
      expect(appOnTarget(app).containers, `${app}'s other containers`).toEqual(before.get(app))
    }
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
