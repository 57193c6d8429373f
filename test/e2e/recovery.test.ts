import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, waitFor} from '../support/sim-client.js'
import {type CliResult, runCli, scratchHome, startCli, writeManifest} from '../support/cli.js'
import {TARGETS, crashGraduation as crashRunner, expiredOnHosts, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * Fail closed: a runner killed at any moment leaves gates that abort on their own within one lease,
 * and status / abort / resume / unlock recover from the hosts' own state.
 */
const LEASE_SECONDS = 6

describe('recovery from a crashed graduation', () => {
  let sim: Simulator
  let manifest: string
  let home: ReturnType<typeof scratchHome>

  beforeEach(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
    home = scratchHome()
    const base = scenarioManifest(sim)
    manifest = writeManifest({
      ...base,
      // A POST hook that keeps every app held long enough to crash the runner in the middle of it.
      hooks: {post: [{label: 'Wait for approval', local: 'sleep 15'}]},
      options: {lease: `${LEASE_SECONDS}s`},
    })
  })

  afterEach(async () => {
    await sim?.stop()
  })

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: home.env})
  const appsOld = async () => {
    for (const app of ['api', 'web', 'worker'] as const) {
      expect(await liveRev(sim, TARGETS[app], app), `${app} serves its old revision`).toBe(sim.revisions[app]![0])
      const state = sim.state().hosts.find((host) => host.name === TARGETS[app])!.apps.find((entry) => entry.name === app)!
      expect([state.branchSha, state.latestRev, state.gitRev], `${app}'s branch, latest and GIT_REV`).toEqual([sim.revisions[app]![0], sim.revisions[app]![0], sim.revisions[app]![0]])
    }
  }

  /** Starts a graduation and SIGKILLs it once `until` is true of its events; returns the graduation id. */
  const crashGraduation = (until: (events: CliResult['events']) => boolean | Promise<boolean>) => crashRunner(manifest, home.env, until)

  const allHeld = (events: CliResult['events']) => events.filter((event) => event.type === 'app' && event['state'] === 'held').length === 3

  it('after SIGKILL while held, every gate aborts on its own within one lease and the next graduation works', async () => {
    const id = await crashGraduation(allHeld)
    // The leases run down on the hosts; waiting on their state files runs no CLI meanwhile.
    await waitFor('every gate lease to run out', () => expiredOnHosts(sim, id, {gates: true, lock: false}), {timeoutMs: 60_000, intervalMs: 200})
    await waitFor(
      'every gate to end its hold on its own',
      async () => {
        const status = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {apps: Array<{state: string; id: string}>}
        return status.apps.filter((app) => app.id === id).every((app) => app.state === 'expired')
      },
      {timeoutMs: 60_000, intervalMs: 500},
    )
    await waitFor('the held deploys to be rejected', async () => sim.state().hosts.every((host) => host.apps.every((app) => !app.deploying)), {intervalMs: 250})
    // Each gate decided on its own that its lease had ended, and did so within one lease: by the gates'
    // own clock (decided_at against the lease's expires_at), plus their one-second wake-up and the slack
    // this test always allowed — not by how quickly this test got to look.
    for (const app of ['api', 'web', 'worker'] as const) {
      const gate = sim.state().hosts.find((host) => host.name === TARGETS[app])!.apps.find((entry) => entry.name === app)!.gate
      expect(gate['decision'], `${app}'s gate decision`).toMatchObject({id, decision: 'expired'})
      const late = Number(gate['decision']!['decided_at']) - Number(gate['armed']!['expires_at'])
      expect(late, `${app}: seconds from the lease's end to the gate's own decision`).toBeGreaterThanOrEqual(0)
      expect(late).toBeLessThan(10)
    }
    await appsOld()

    const next = await cli(['dev', 'production', '--yes', '--json'])
    // The dead runner's lock expires one lease after its last renewal; until then the next run is told who holds it.
    if (next.code === 4) {
      await waitFor('the dead lock to run out', () => expiredOnHosts(sim, id, {gates: false, lock: true}), {timeoutMs: 30_000, intervalMs: 200})
      await waitFor('the dead lock to expire', async () => (await cli(['status', 'production', '--json'])).stdout.includes('"expired":true'), {timeoutMs: 30_000, intervalMs: 500})
      const retried = await cli(['dev', 'production', '--yes', '--json'])
      expect(retried.code, retried.stderr).toBe(0)
    } else {
      expect(next.code, next.stderr).toBe(0)
    }
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])
  })

  it('status shows the crashed graduation from the hosts, unlock refuses while it holds gates, abort cleans it up', async () => {
    // A lease long enough that the gates still hold when status looks, however loaded the machine is.
    manifest = writeManifest({...scenarioManifest(sim), hooks: {post: [{label: 'Wait for approval', local: 'sleep 15'}]}, options: {lease: '600s'}})
    const id = await crashGraduation(allHeld)
    const status = await cli(['status', 'production', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const report = JSON.parse(status.stdout) as {inFlight: string[]; locks: Array<{locked: boolean; id: string; owner: string}>; apps: Array<{app: string; state: string; id: string}>}
    expect(report.inFlight).toEqual([id])
    expect(report.locks.filter((lock) => lock.locked).map((lock) => lock.id)).toEqual([id, id])
    expect(report.apps.filter((app) => app.state === 'held').map((app) => app.app).sort(), JSON.stringify(report.apps)).toEqual(['api', 'web', 'worker'])
    const text = await cli(['status', 'production'])
    expect(text.stdout).toContain(`graduate abort production`)

    const refused = await cli(['unlock', 'production', '--yes'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/still holds .*api/)

    const aborted = await cli(['abort', 'production', '--yes', '--json'])
    expect(aborted.code, aborted.stderr).toBe(0)
    const outcome = JSON.parse(aborted.stdout) as {aborted: Array<{app: string}>; unlocked: string[]}
    expect(outcome.aborted.map((app) => app.app).sort()).toEqual(['api', 'web', 'worker'])
    expect(outcome.unlocked).toEqual([id])
    await appsOld()
    const after = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {inFlight: string[]}
    expect(after.inFlight).toEqual([])
  })

  it('resume finishes a graduation whose runner died after deciding to release', async () => {
    // prod-2's release hangs, so the runner dies with api and web released and worker still held.
    const hang = sim.faults.command({host: 'prod-2', match: 'graduate:release', action: {kind: 'hang'}, once: true})
    // prod-1's apps wait at the nginx switch for prod-2 at most timeouts.switch, then switch on their own.
    // The lease only has to outlast the test's own commands before resume (nothing here waits for it to
    // end): a long one keeps worker held however slowly a loaded machine runs them.
    manifest = writeManifest({...scenarioManifest(sim), options: {lease: '600s', timeouts: {switch: '1s'}}})
    const id = await crashGraduation(
      async (events) => events.some((event) => event.type === 'decision') && (await liveRev(sim, 'prod-1', 'web')) === sim.revisions['web']![1],
    )
    hang.remove()
    const before = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {apps: Array<{app: string; decision: string | null}>}
    expect(before.apps.find((app) => app.app === 'worker')?.decision).toBeNull()

    // Without a terminal, resume (which changes hosts) asks for --yes, as abort and unlock do, and sends nothing.
    const unconfirmed = await cli(['resume', id])
    expect(unconfirmed.code, unconfirmed.stderr).toBe(2)
    expect(unconfirmed.stderr).toContain(`Error: refusing to resume graduation ${id} without confirmation: this is not an interactive terminal`)
    const untouched = JSON.parse((await cli(['status', 'production', '--json', '--yes'])).stdout) as {apps: Array<{app: string; decision: string | null}>}
    expect(untouched.apps.find((app) => app.app === 'worker')?.decision).toBeNull()

    const resumed = await cli(['resume', id, '--yes', '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({id, env: 'production', decision: 'release', decidedBy: 'gates'})
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])
    const after = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {inFlight: string[]}
    expect(after.inFlight).toEqual([])
    // The runner died before recording anything; resume records how the graduation ended.
    const history = JSON.parse((await cli(['history', 'production', '--json'])).stdout) as {records: Array<{id: string; outcome: string; apps: Array<{app: string; result: string}>}>}
    const record = history.records.find((entry) => entry.id === id)
    expect(record).toMatchObject({outcome: 'graduated', resumedBy: expect.any(String)})
    expect(record!.apps.map((app) => [app.app, app.result]).sort()).toEqual([['api', 'live'], ['web', 'live'], ['worker', 'live']])
  })

  it('unlock releases the lock of a runner that died before arming anything', async () => {
    // The lock must outlive every step below however loaded the machine is: an expired lock is taken
    // over, which would let the blocked graduation through. Its time to live is one lease.
    manifest = writeManifest({...scenarioManifest(sim), hooks: {post: [{label: 'Wait for approval', local: 'sleep 15'}]}, options: {lease: '300s'}})
    const id = await crashGraduation((events) => events.some((event) => event.type === 'lock' && event['state'] === 'acquired'))
    const status = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {inFlight: string[]}
    expect(status.inFlight).toEqual([id])
    const blocked = await cli(['dev', 'production', '--yes'])
    expect(blocked.code).toBe(4)
    expect(blocked.stdout).toMatch(new RegExp(`production is locked on .*\\(graduation\\s+${id}\\)`, 's'))
    const unlocked = await cli(['unlock', 'production', '--yes', '--json'])
    expect(unlocked.code, unlocked.stderr).toBe(0)
    expect(JSON.parse(unlocked.stdout)).toMatchObject({id, released: expect.arrayContaining([expect.stringContaining('127.0.0.1')])})
    const next = await cli(['dev', 'production', '--yes', '--dry-run'])
    expect(next.code, next.stdout + next.stderr).toBe(0)
  })

  it('lets exactly one of two graduations started at once proceed', async () => {
    manifest = writeManifest({...scenarioManifest(sim), options: {lease: '30s'}})
    const [first, second] = await Promise.all([cli(['dev', 'production', '--yes', '--json']), cli(['dev', 'production', '--yes', '--json'])])
    const codes = [first.code, second.code].sort()
    expect(codes).toEqual([0, 4])
    const loser = first.code === 4 ? first : second
    expect(loser.events.at(-1)).toMatchObject({type: 'summary', outcome: 'refused', exitCode: 4})
    expect(String(loser.events.at(-1)!['cause'])).toMatch(/locked on .* by .*@/)
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![1])
  })

  it('SIGINT before the decision aborts every app, releases the lock and exits 130', async () => {
    const running = startCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env: home.env})
    let stdout = ''
    running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    await waitFor('every app held', () => stdout.split('\n').filter((line) => line.includes('"type":"app"') && line.includes('"state":"held"')).length === 3, {timeoutMs: 90_000})
    running.child.kill('SIGINT')
    const result = await running.result
    expect(result.code, result.stderr).toBe(130)
    expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'interrupted', exitCode: 130})
    await appsOld()
    const status = JSON.parse((await cli(['status', 'production', '--json'])).stdout) as {inFlight: string[]}
    expect(status.inFlight).toEqual([])
  })
})
