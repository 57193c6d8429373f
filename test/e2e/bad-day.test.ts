import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev} from '../support/sim-client.js'
import {runCli, scratchHome, writeManifest} from '../support/cli.js'
import {TARGETS, scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

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
