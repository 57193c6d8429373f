import {afterEach, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, waitFor} from '../support/sim-client.js'
import {runCli, startCli, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * Failures after the decision, or that cut a host off while apps are held: partial is reported as it
 * is, and the reachable gates are told at once. (Split from recovery.test.ts so both run in parallel.)
 */
const LEASE_SECONDS = 6

describe('after the decision', () => {
  let sim: Simulator

  afterEach(async () => {
    await sim?.stop()
  })

  it('reports a failed nginx switch as partial (exit 5) with the app, its live revision and the repair', async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
    const failing = sim.faults.failNginxSwitch('prod-2', 'worker')
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', writeManifest(scenarioManifest(sim))])
    failing.remove()
    expect(result.code, result.stderr).toBe(5)
    const summary = result.events.at(-1)!
    expect(summary).toMatchObject({outcome: 'partial', exitCode: 5})
    const worker = (summary['apps'] as Array<Record<string, unknown>>).find((app) => app['app'] === 'worker')!
    expect(worker).toMatchObject({result: 'partial', liveRev: sim.revisions['worker']![0], repair: 'graduate dev production --only worker'})
    expect(await liveRev(sim, 'prod-2', 'worker')).toBe(sim.revisions['worker']![0])
    for (const app of ['api', 'web'] as const) expect(await liveRev(sim, 'prod-1', app)).toBe(sim.revisions[app]![1])

    const repaired = await runCli(['dev', 'production', '--yes', '--json', '--only', 'worker', '-m', writeManifest(scenarioManifest(sim))])
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(await liveRev(sim, 'prod-2', 'worker')).toBe(sim.revisions['worker']![1])
  })

  it('aborts the reachable gates when a host drops off the network while apps are held, and says when the lost gates end', async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
    const manifest = writeManifest({...scenarioManifest(sim), hooks: {post: [{label: 'Wait', local: 'sleep 3'}]}, options: {lease: `${LEASE_SECONDS}s`}})
    const running = startCli(['dev', 'production', '--yes', '--json', '-m', manifest])
    let stdout = ''
    running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    await waitFor('every app held', () => stdout.split('\n').filter((line) => line.includes('"type":"app"') && line.includes('"state":"held"')).length === 3, {timeoutMs: 90_000})
    await sim.faults.down('prod-2')
    const result = await running.result
    await sim.faults.up('prod-2')
    expect(result.code, result.stderr).toBe(1)
    const warnings = result.events.filter((event) => event.type === 'warning').map((event) => String(event['message']))
    expect(warnings.some((message) => /prod|127\.0\.0\.1/.test(message) && /by \d{4}-\d\d-\d\dT/.test(message))).toBe(true)
    await waitFor('the lost host\'s gates to end on their own', async () => sim.state().hosts.every((host) => host.apps.every((app) => !app.deploying)), {timeoutMs: 60_000, intervalMs: 250})
    for (const app of ['api', 'web', 'worker'] as const) expect(await liveRev(sim, TARGETS[app], app)).toBe(sim.revisions[app]![0])
  })
})

