import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, type SimulatorConfig, startSimulator} from '../simulator/index.js'
import {type CliResult, runCli, simEnvironment, writeManifest} from '../support/cli.js'
import {liveRev, ssh} from '../support/sim-client.js'

/*
 * `graduate plan` and the drift gate: dev's api sets two config keys production's api lacks (and
 * production sets one dev does not); dev's web sets one, and has a domain production's web lacks.
 */
const SECRET = 'sk_live_do_not_print_me'

function config(): SimulatorConfig {
  const revision = (app: string, version: string) => ({message: `${app} ${version}: ${version === 'v2' ? 'add billing' : 'first release'}`, files: {'app.txt': `${app} ${version}`, '.sim.json': JSON.stringify({buildMs: 100, checkMs: 50})}})
  return {
    repos: {api: [revision('api', 'v1'), revision('api', 'v2')], web: [revision('web', 'v1'), revision('web', 'v2')]},
    hosts: [
      {
        name: 'dev',
        apps: [
          {name: 'api', repo: 'api', deploy: 2, config: {STRIPE_KEY: SECRET, FEATURE_X: 'on', SHARED: SECRET}},
          {name: 'web', repo: 'web', deploy: 2, config: {SHARED: SECRET, WEB_ONLY: SECRET}},
        ],
      },
      {
        name: 'prod',
        apps: [
          {name: 'api', repo: 'api', deploy: 1, config: {SHARED: SECRET, SENTRY_DSN: SECRET}},
          {name: 'web', repo: 'web', deploy: 1, config: {SHARED: SECRET}},
        ],
      },
    ],
  }
}

function manifest(sim: Simulator, extra: Record<string, unknown> = {}): string {
  return writeManifest({
    environments: {dev: simEnvironment(sim, 'dev'), production: simEnvironment(sim, 'prod')},
    apps: {api: null, web: null},
    options: {lease: '30s'},
    ...extra,
  })
}

const builds = (sim: Simulator, app: string) => sim.state().hosts.find((host) => host.name === 'prod')!.apps.find((entry) => entry.name === app)!.builds.length
const everything = (result: CliResult) => result.stdout + result.stderr

describe('graduate plan and the drift gate', () => {
  let sim: Simulator

  beforeAll(async () => {
    sim = await startSimulator(config())
    await ssh(sim, 'dev', ['domains:set', 'web', 'web.dev.example.com'])
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('plan: revisions with their subjects, config keys on either side (names only), domains, and the refusal it predicts', async () => {
    const result = await runCli(['plan', 'dev', 'production', '--json', '-m', manifest(sim)])
    expect(result.code, result.stderr).toBe(3)
    const report = JSON.parse(result.stdout) as {apps: Array<Record<string, any>>; problems: Array<Record<string, string>>}
    const api = report.apps.find((entry) => entry['app'] === 'api')!
    expect(api).toMatchObject({from: sim.revisions['api']![0], to: sim.revisions['api']![1], action: 'deploy', toSubject: 'api v2: add billing', fromSubject: 'api v1: first release'})
    expect(api['drift']).toMatchObject({missingInTarget: ['FEATURE_X', 'STRIPE_KEY'], allowed: [], missingInSource: ['SENTRY_DSN']})
    const web = report.apps.find((entry) => entry['app'] === 'web')!
    expect(web['drift']).toMatchObject({missingInTarget: ['WEB_ONLY'], missingInSource: [], domains: {source: true, target: false}})
    expect(report.problems).toEqual([
      expect.objectContaining({app: 'api', message: expect.stringContaining('the config keys FEATURE_X, STRIPE_KEY')}),
      expect.objectContaining({app: 'web', message: expect.stringContaining('the config key WEB_ONLY')}),
    ])
    expect(everything(result)).not.toContain(SECRET)
  })

  it('plan changes nothing and takes no lock', async () => {
    await runCli(['plan', 'dev', 'production', '-m', manifest(sim)])
    const prod = sim.state().hosts.find((host) => host.name === 'prod')!
    expect(prod.environments['production']?.lock ?? null).toBeNull()
    expect(builds(sim, 'api')).toBe(1)
  })

  it('plan as text: a table, the drift under it, and the problem with its fix', async () => {
    const result = await runCli(['plan', 'dev', 'production', '-m', manifest(sim)])
    expect(result.code).toBe(3)
    expect(result.stdout).toContain('Plan dev → production: 2 to deploy — would be refused')
    expect(result.stdout).toContain('api: was "api v1: first release", gets "api v2: add billing"')
    expect(result.stdout).toContain('drift api: config only in dev: FEATURE_X, STRIPE_KEY')
    expect(result.stdout).toContain('drift api: config only in production: SENTRY_DSN')
    expect(result.stdout).toContain('drift web: custom domains set in dev, none in production')
    expect(result.stdout).toContain('fix: set them on the target')
    expect(result.stdout).toContain('or pass --accept-drift')
    expect(result.stdout).not.toContain(SECRET)
  })

  it('refuses the graduation, naming each key and the app, and changes nothing', async () => {
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest(sim)])
    expect(result.code, result.stderr).toBe(3)
    const summary = result.events.at(-1)!
    expect(summary).toMatchObject({type: 'summary', outcome: 'refused', exitCode: 3})
    expect(String(summary['cause'])).toMatch(/api: .*FEATURE_X, STRIPE_KEY/)
    expect(String(summary['cause'])).toMatch(/web: .*WEB_ONLY/)
    expect(builds(sim, 'api')).toBe(1)
    expect(builds(sim, 'web')).toBe(1)
    expect(everything(result)).not.toContain(SECRET)
  })

  it('refuses when the manifest allows only some of the keys, naming the rest', async () => {
    const result = await runCli(['dev', 'production', '--yes', '--json', '--only', 'api', '-m', manifest(sim, {apps: {api: {drift: {allow: ['STRIPE_KEY']}}, web: null}})])
    expect(result.code, result.stderr).toBe(3)
    const cause = String(result.events.at(-1)!['cause'])
    expect(cause).toContain('FEATURE_X')
    expect(cause).not.toContain('STRIPE_KEY')
    expect(builds(sim, 'api')).toBe(1)
  })

  it('a dry run with --accept-drift shows the drift and the subjects, and changes nothing', async () => {
    const result = await runCli(['dev', 'production', '--dry-run', '--accept-drift', '-m', manifest(sim)])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('drift api: config only in dev: FEATURE_X, STRIPE_KEY')
    expect(result.stderr).toContain('gets "web v2: add billing"')
    expect(result.stderr).toMatch(/warning: .* api: .*FEATURE_X, STRIPE_KEY.*accepted with --accept-drift/)
    expect(builds(sim, 'api')).toBe(1)
  })
})

describe('drift allowed by the manifest or accepted with --accept-drift', () => {
  let sim: Simulator

  beforeAll(async () => {
    sim = await startSimulator(config())
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('graduates when the manifest allows every missing key (one for this app, one for all apps)', async () => {
    const allowing = manifest(sim, {apps: {api: {drift: {allow: ['STRIPE_KEY']}}, web: null}, drift: {allow: ['FEATURE_X']}})
    const result = await runCli(['dev', 'production', '--yes', '--json', '--only', 'api', '-m', allowing])
    expect(result.code, result.stderr).toBe(0)
    expect(result.events.some((event) => event.type === 'problem')).toBe(false)
    expect(await liveRev(sim, 'prod', 'api')).toBe(sim.revisions['api']![1])
    const plan = result.events.find((event) => event.type === 'plan')!['apps'] as Array<{app: string; drift: {allowed: string[]}}>
    expect(plan.find((entry) => entry.app === 'api')!.drift.allowed).toEqual(['FEATURE_X', 'STRIPE_KEY'])
  })

  it('graduates with --accept-drift, listing the keys it accepted as a warning', async () => {
    const result = await runCli(['dev', 'production', '--yes', '--json', '--only', 'web', '--accept-drift', '-m', manifest(sim)])
    expect(result.code, result.stderr).toBe(0)
    expect(await liveRev(sim, 'prod', 'web')).toBe(sim.revisions['web']![1])
    const warnings = result.events.filter((event) => event.type === 'problem')
    expect(warnings).toEqual([expect.objectContaining({severity: 'warning', app: 'web', message: expect.stringContaining('WEB_ONLY')})])
    expect(everything(result)).not.toContain(SECRET)
  })
})
