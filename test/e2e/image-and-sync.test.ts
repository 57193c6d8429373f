import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, run} from '../support/sim-client.js'
import {runCli, simEnvironment, writeManifest} from '../support/cli.js'

/*
 * Issue 7 through the built binary: dev runs api from a registry image (git:from-image), web synced
 * with `git:sync --build` and worker pushed with git; `graduate dev production` must make each
 * production app run exactly dev's artifact — api the same image pinned by digest, web and worker
 * the same revision — or, aborted, leave every production app exactly as it was.
 */
const REGISTRY = 'registry.example.test'
const API_IMAGE = `${REGISTRY}/team/api:2`
const APPS = ['api', 'web', 'worker'] as const

function revision(app: string, version: string) {
  return {message: `${app} ${version}`, files: {'app.txt': `${app} ${version}`, '.sim.json': JSON.stringify({buildMs: 100, checkMs: 50})}}
}

describe('graduating apps deployed by image, by git:sync and by git push', () => {
  let sim: Simulator

  beforeAll(async () => {
    sim = await startSimulator({
      repos: {
        api: [revision('api', 'v1'), revision('api', 'v2')],
        web: [revision('web', 'v1'), revision('web', 'v2')],
        worker: [revision('worker', 'v1'), revision('worker', 'v2')],
      },
      hosts: [
        {
          name: 'dev',
          releaseTailMs: 50,
          apps: [
            {name: 'api', repo: 'api', deploy: 2, image: API_IMAGE},
            {name: 'web', repo: 'web', deploy: 2, sync: true},
            {name: 'worker', repo: 'worker', deploy: 2},
          ],
        },
        {
          name: 'production',
          releaseTailMs: 50,
          registries: [REGISTRY],
          apps: [
            // On `main`, not the repository's HEAD branch (master): Dokku cannot roll an aborted
            // git:from-image back there (test/simulator/image.test.ts), the gate puts the branches back.
            {name: 'api', repo: 'api', deploy: 1},
            {name: 'web', repo: 'web', deploy: 1},
            {name: 'worker', repo: 'worker', deploy: 1},
          ],
        },
      ],
    })
  })

  afterAll(async () => {
    await sim?.stop()
  })

  const manifest = (post: Record<string, unknown>[]) =>
    writeManifest({
      environments: {dev: simEnvironment(sim, 'dev'), production: simEnvironment(sim, 'production')},
      apps: {api: null, web: null, worker: null},
      hooks: {post},
      options: {lease: '30s'},
    })
  const production = (app: string) => sim.state().hosts.find((host) => host.name === 'production')!.apps.find((entry) => entry.name === app)!
  /** What "unchanged" means for a target: its deploy branch, what `latest` is, its deploy source, what it serves. */
  const footprint = (app: string) => {
    const state = production(app)
    return {branchSha: state.branchSha, latestImage: state.latestImage?.id, deploySource: state.deploySource, deploySourceMetadata: state.deploySourceMetadata, liveRev: state.liveRev}
  }

  it('aborted by a failing POST hook, leaves every production app as it was: branch, latest, deploy source, traffic', async () => {
    const before = Object.fromEntries(APPS.map((app) => [app, footprint(app)]))
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest([{label: 'Migrate database', local: 'echo migration failed >&2; exit 3'}])])
    expect(result.code, result.stdout + result.stderr).not.toBe(0)
    expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'aborted'})
    // Every app reached its hold before the hook ran, so each was deployed and then aborted, not skipped.
    const held = new Set(result.events.filter((event) => event.type === 'app' && event['state'] === 'held').map((event) => event['app']))
    expect([...held].sort()).toEqual([...APPS])
    for (const app of APPS) expect(footprint(app), app).toEqual(before[app])
  })

  it('deploys dev artifacts: the api image by digest, the synced and the pushed revisions', async () => {
    const digest = sim.registry.resolve(API_IMAGE)!.digest
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', manifest([])])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'graduated', exitCode: 0})

    const pinned = `${REGISTRY}/team/api@${digest}`
    const plan = result.events.find((event) => event.type === 'plan')!['apps'] as Array<{app: string; strategy: string; to: string}>
    expect(plan.map(({app, strategy, to}) => ({app, strategy, to}))).toEqual([
      {app: 'api', strategy: 'image', to: pinned},
      {app: 'web', strategy: 'git', to: sim.revisions['web']![1]},
      {app: 'worker', strategy: 'git', to: sim.revisions['worker']![1]},
    ])
    expect(production('api')).toMatchObject({deploySource: 'docker-image', deploySourceMetadata: pinned, latestRev: sim.revisions['api']![1]})
    // Pulled by digest, the image production built on is dev's very image: one image id on both hosts.
    const imageId = async (host: string, reference: string) => (await run(path.join(sim.host(host).hostDir, 'bin', 'docker'), ['image', 'inspect', '--format', '{{.Id}}', reference])).stdout.trim()
    expect(await imageId('production', pinned)).toBe(await imageId('dev', API_IMAGE))
    for (const app of ['web', 'worker'] as const) {
      expect(production(app)).toMatchObject({branchSha: sim.revisions[app]![1], deploySource: 'git-push', deploySourceMetadata: sim.revisions[app]![1]})
    }
    for (const app of APPS) expect(await liveRev(sim, 'production', app), app).toBe(sim.revisions[app]![1])
  })
})
