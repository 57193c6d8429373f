import path from 'node:path'
import {spawn} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from './index.js'
import {type RunResult, liveRev, run, ssh, sshOptions, waitFor} from '../support/sim-client.js'
import {killAtTeardown} from '../support/child-processes.js'

/*
 * Image deploys, git:sync and the registry, held against dokku-contract.md §1.4–§3 and Dokku's own
 * plugins/git and plugins/registry: what graduate runs on a host to promote an image or a synced
 * app must do here what it does on a real Dokku 0.38 host. Driven with system ssh and git.
 */
const REGISTRY = 'registry.example.test'
const SVC_2 = `${REGISTRY}/team/svc:2`
const PRIVATE = 'private.example.test/team/svc:1'
const LEASE_SECONDS = 300

function svcRevision(version: string, sim: Record<string, unknown> = {}) {
  return {message: `svc ${version}`, files: {'app.txt': `svc ${version}`, '.sim.json': JSON.stringify(sim)}}
}

let sim: Simulator
/** The shas of the svc repo's revisions: v1, v2, and v3 whose build fails. */
let svc: string[]

beforeAll(async () => {
  sim = await startSimulator({
    repos: {svc: [svcRevision('v1'), svcRevision('v2'), svcRevision('v3', {buildFails: true})]},
    images: [{reference: PRIVATE, repo: 'svc', revision: 1}],
    hosts: [
      {
        name: 'dev',
        apps: [
          {name: 'src', repo: 'svc', deploy: 2, image: SVC_2},
          {name: 'pusher', repo: 'svc', deploy: 1, registry: {pushOnRelease: true, server: REGISTRY, imageRepo: 'team/pusher'}},
          {name: 'synced', repo: 'svc', deploy: 2, sync: true},
        ],
      },
      {
        name: 'prod',
        // Logged into the company registry only: Docker Hub and the private server are out of reach.
        registries: [REGISTRY],
        apps: [
          {name: 'fresh', repo: 'svc', deploy: 0},
          {name: 'api', repo: 'svc', deploy: 1},
          {name: 'held', repo: 'svc', deploy: 1, branch: 'master'},
          {name: 'held-main', repo: 'svc', deploy: 1},
          {name: 'private', repo: 'svc', deploy: 1},
          {name: 'sync-ok', repo: 'svc', deploy: 1},
          {name: 'sync-fail', repo: 'svc', deploy: 1},
        ],
      },
    ],
  })
  svc = sim.revisions['svc']!
})

afterAll(async () => {
  await sim?.stop()
})

function appState(host: string, app: string) {
  const found = sim
    .state()
    .hosts.find((entry) => entry.name === host)!
    .apps.find((entry) => entry.name === app)
  if (!found) throw new Error(`no app ${app} on ${host}`)
  return found
}

/** git in an app's bare repository on a host, read straight from the host's files. */
async function hostGit(host: string, app: string, args: string[]): Promise<string> {
  const result = await run('git', ['-C', path.join(sim.paths(host).dokkuRoot, app), ...args])
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} in ${host}/${app}: ${result.stderr}`)
  return result.stdout
}

/** The host's own `docker` (the shim the gate plugin runs), as the dokku user would. */
function docker(host: string, args: string[]): Promise<RunResult> {
  return run(path.join(sim.host(host).hostDir, 'bin', 'docker'), args)
}

function digestOf(reference: string): string {
  const manifest = sim.registry.resolve(reference)
  if (!manifest) throw new Error(`the registry has no ${reference}`)
  return manifest.digest
}

const out = (result: RunResult) => result.stdout + result.stderr

describe('git:from-image (contract §3, plugins/git/git-from-image)', () => {
  it('pulls the image, commits a Dockerfile naming it on the deploy branch and deploys it: the router serves the base image revision', async () => {
    const before = appState('prod', 'api')
    const result = await ssh(sim, 'prod', ['git:from-image', 'api', SVC_2])
    expect(result.code, out(result)).toBe(0)
    expect(result.stdout).toContain('-----> Pulling image')
    expect(result.stdout).toContain(`Status: Downloaded newer image for ${SVC_2}`)
    expect(result.stdout).toContain('-----> Building api from Dockerfile')
    expect(result.stdout).toContain(`Step 1/2 : FROM ${SVC_2}`)
    expect(result.stdout).toContain('=====> Application deployed:')

    expect(await liveRev(sim, 'prod', 'api')).toBe(svc[1])
    const after = appState('prod', 'api')
    expect(after).toMatchObject({deploySource: 'docker-image', deploySourceMetadata: SVC_2, sourceImage: SVC_2, latestRev: svc[1]})
    expect((await ssh(sim, 'prod', ['git:report', 'api', '--git-source-image'])).stdout).toBe(`${SVC_2}\n`)

    // The deploy branch moved to a commit whose whole tree is the Dockerfile, as Dokku writes it.
    expect(after.branchSha).not.toBe(before.branchSha)
    expect(await hostGit('prod', 'api', ['ls-tree', '--name-only', 'main'])).toBe('Dockerfile\n')
    expect(await hostGit('prod', 'api', ['show', 'main:Dockerfile'])).toBe(`FROM ${SVC_2}\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${SVC_2}\\"]\n`)
    // GIT_REV names that commit (git_build sets it), while the image carries the base image's source.
    expect(after.gitRev).toBe(after.branchSha)

    // Built on this host, `latest` has no registry digest; the pulled base carries the registry's.
    expect(after.latestImage!.repoDigests).toEqual([])
    const base = await docker('prod', ['image', 'inspect', '--format', '{{json .RepoDigests}}', SVC_2])
    expect(JSON.parse(base.stdout)).toEqual([`${REGISTRY}/team/svc@${digestOf(SVC_2)}`])
  })

  it('exits 1 with "No changes detected" for the image already deployed, and deploys the same image again by digest', async () => {
    const first = await ssh(sim, 'prod', ['git:from-image', 'fresh', SVC_2])
    expect(first.code, out(first)).toBe(0)
    // A new app's repository is cloned from the build context, so the deploy branch is its HEAD.
    expect(first.stdout).toContain('       Detected branch, setting deploy-branch to main')
    const deployed = appState('prod', 'fresh')

    // The code path returns 1 and a real host did (dokku-observed.md §8), though Dokku's docs say 0.
    const again = await ssh(sim, 'prod', ['git:from-image', 'fresh', SVC_2])
    expect(again.code).toBe(1)
    expect(out(again)).toContain(' !     No changes detected, skipping git commit')
    expect(out(again)).toContain("Call 'ps:rebuild' on app to rebuild the app from existing source")
    expect(appState('prod', 'fresh')).toMatchObject({branchSha: deployed.branchSha, latestImage: deployed.latestImage, liveSince: deployed.liveSince})

    const pinned = `${REGISTRY}/team/svc@${digestOf(SVC_2)}`
    const byDigest = await ssh(sim, 'prod', ['git:from-image', 'fresh', pinned])
    expect(byDigest.code, out(byDigest)).toBe(0)
    expect(byDigest.stdout).toContain('-----> Image exists on host, skipping pull')
    expect(appState('prod', 'fresh')).toMatchObject({deploySource: 'docker-image', deploySourceMetadata: pinned, liveRev: svc[1]})
  })

  it('fails with exit 1 and changes nothing when the host cannot pull from the registry', async () => {
    const before = appState('prod', 'private')
    const result = await ssh(sim, 'prod', ['git:from-image', 'private', PRIVATE])
    expect(result.code).toBe(1)
    expect(out(result)).toContain(`pull access denied for private.example.test/team/svc`)
    expect(out(result)).toContain(` !     Failed to pull image: ${PRIVATE}`)
    expect(appState('prod', 'private')).toMatchObject({branchSha: before.branchSha, deploySource: 'git-push', deploySourceMetadata: svc[0], liveRev: svc[0], sourceImage: null})
    expect(await hostGit('prod', 'private', ['ls-tree', '--name-only', 'main'])).toContain('app.txt')
  })
})

/** `git:from-image` over SSH, armed for graduation `id`, held at the gate; the caller decides. */
async function holdImageDeploy(app: string, id: string) {
  const armed = await ssh(sim, 'prod', ['graduate:arm', app, id, SVC_2, String(LEASE_SECONDS)])
  expect(armed.code, out(armed)).toBe(0)
  const child = killAtTeardown(spawn('ssh', [...sshOptions(sim, 'prod'), 'dokku@127.0.0.1', '--', 'git:from-image', app, SVC_2], {stdio: ['ignore', 'pipe', 'pipe']}))
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let exit: number | null | undefined
  child.on('close', (code) => (exit = code))
  // The gate's holding line arrives while the command still runs: Dokku's output is streamed.
  await waitFor(`${app} to be held`, () => output.includes(`=====> graduate: holding ${app} (web.1) for graduation ${id}`) || exit !== undefined)
  expect(exit, output).toBeUndefined()
  return {output: () => output, exited: () => waitFor(`git:from-image ${app} to end`, () => (exit === undefined ? undefined : {code: exit}))}
}

describe('an image deploy aborted at the gate (contract §1.4, dokku-plugin restore)', () => {
  it('leaves the branch (rolled back by Dokku), latest (restored by the gate) and the deploy source as they were', async () => {
    const before = appState('prod', 'held')
    const held = await holdImageDeploy('held', 'grad-image-abort')
    expect(appState('prod', 'held').latestRev).toBe(svc[1])
    expect(await ssh(sim, 'prod', ['graduate:abort', 'grad-image-abort', 'held'])).toMatchObject({code: 0, stdout: 'aborted held\n'})
    expect((await held.exited()).code).toBe(1)
    expect(held.output()).toContain(' !     graduate: aborted held (web.1) by graduation grad-image-abort; restored dokku/held:latest and GIT_REV')

    const after = appState('prod', 'held')
    expect(after).toMatchObject({branchSha: before.branchSha, latestImage: before.latestImage, latestRev: svc[0], gitRev: svc[0], deploySource: 'git-push', deploySourceMetadata: svc[0], liveRev: svc[0]})
  })

  it('puts the branches back once the deploy has ended, where Dokku cannot (a root commit on a deploy branch that is not HEAD), so the retry deploys', async () => {
    // Dokku's bare repos start on git's default branch (master, observed §8). With deploy branch main
    // the clone in git-from-directory has no checkout, the Dockerfile becomes a root commit, and
    // `update-ref refs/heads/main main^` has no parent to go back to; the clone's master is mirrored
    // into the app too. The gate recorded the branches when it was armed and puts them back once the
    // dokku command running the deploy has exited.
    const before = appState('prod', 'held-main')
    const branchesBefore = await hostGit('prod', 'held-main', ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/'])
    const held = await holdImageDeploy('held-main', 'grad-image-main')
    const failedCommit = appState('prod', 'held-main').branchSha
    expect(failedCommit).not.toBe(before.branchSha)
    expect(await ssh(sim, 'prod', ['graduate:abort', 'grad-image-main', 'held-main'])).toMatchObject({code: 0})
    expect((await held.exited()).code).toBe(1)
    // Dokku's own rollback fails, as on a real host…
    expect(held.output()).toMatch(/fatal: .*main\^/)
    // …and the gate's watcher restores every branch: main back, the mirrored master gone.
    await waitFor('the branches to be put back', async () =>
      (await hostGit('prod', 'held-main', ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/'])) === branchesBefore ? true : undefined,
    )
    expect(appState('prod', 'held-main')).toMatchObject({branchSha: before.branchSha, latestImage: before.latestImage, gitRev: svc[0], deploySource: 'git-push', liveRev: svc[0]})

    // Disarming finds nothing left to put back, and the same image deploys on a retry.
    expect((await ssh(sim, 'prod', ['graduate:disarm', 'grad-image-main', 'held-main'])).code).toBe(0)
    const retry = await ssh(sim, 'prod', ['git:from-image', 'held-main', SVC_2])
    expect(retry.code, out(retry)).toBe(0)
    expect(await liveRev(sim, 'prod', 'held-main')).toBe(svc[1])
  })
})

describe('git:sync (contract §3, cmd-git-sync)', () => {
  it('--build fetches from another repository, moves the branch and deploys the revision; the deploy source names both', async () => {
    const remote = `file://${path.join(sim.paths('dev').dokkuRoot, 'synced')}`
    const result = await ssh(sim, 'prod', ['git:sync', '--build', 'sync-ok', remote, svc[1]!])
    expect(result.code, out(result)).toBe(0)
    expect(result.stdout).toContain(`Fetching remote code for sync-ok from ${remote}#${svc[1]}`)
    expect(await liveRev(sim, 'prod', 'sync-ok')).toBe(svc[1])
    expect(appState('prod', 'sync-ok')).toMatchObject({branchSha: svc[1], gitRev: svc[1], deploySource: 'git-sync', deploySourceMetadata: `${remote}#${svc[1]}`})
    expect(appState('prod', 'sync-ok').builds.at(-1)).toMatchObject({source: 'git:sync', status: 'succeeded'})

    const unchanged = await ssh(sim, 'prod', ['git:sync', '--build-if-changes', 'sync-ok', remote, svc[1]!])
    expect(unchanged.code, out(unchanged)).toBe(0)
    expect(unchanged.stdout).toContain('Skipping build as no changes were detected')
    expect(appState('prod', 'sync-ok').builds.filter((build) => build.source === 'git:sync')).toHaveLength(2)
    expect(await liveRev(sim, 'prod', 'sync-ok')).toBe(svc[1])
  })

  it('leaves the branch moved when the build fails, with the old release serving and the deploy source unchanged', async () => {
    const upstream = `file://${path.join(sim.host('dev').hostDir, 'sim', 'upstream', 'synced.git')}`
    const result = await ssh(sim, 'prod', ['git:sync', '--build', 'sync-fail', upstream, svc[2]!])
    expect(result.code).toBe(1)
    expect(out(result)).toContain(' !     App build failed')
    expect(appState('prod', 'sync-fail')).toMatchObject({branchSha: svc[2], deploySource: 'git-push', deploySourceMetadata: svc[0], liveRev: svc[0]})
  })

  it('seeds an app synced from its upstream repository', () => {
    expect(appState('dev', 'synced')).toMatchObject({
      deploySource: 'git-sync',
      deploySourceMetadata: `file://${path.join(sim.host('dev').hostDir, 'sim', 'upstream', 'synced.git')}#${svc[1]}`,
      branchSha: svc[1],
      liveRev: svc[1],
    })
  })
})

describe('registry push-on-release (plugins/registry, contract §3 registry details)', () => {
  it('bumps tag-version and pushes the release before the checks run; the image carries the new digest', async () => {
    expect(appState('dev', 'pusher').tagVersion).toBe('1')
    const rebuild = await ssh(sim, 'dev', ['ps:rebuild', 'pusher'])
    expect(rebuild.code, out(rebuild)).toBe(0)
    const pushed = rebuild.stdout.indexOf('-----> Pushing image to registry')
    expect(pushed).toBeGreaterThan(rebuild.stdout.indexOf('-----> Releasing pusher...'))
    expect(pushed).toBeLessThan(rebuild.stdout.indexOf('=====> Processing deployment checks'))
    expect(rebuild.stdout).toContain(`       Pushing ${REGISTRY}/team/pusher:2`)

    const digest = sim.state().registry[`${REGISTRY}/team/pusher`]!['2']!
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(digest).not.toBe(sim.state().registry[`${REGISTRY}/team/pusher`]!['1'])
    const state = appState('dev', 'pusher')
    expect(state.tagVersion).toBe('2')
    expect(state.latestImage!.repoDigests).toEqual([`${REGISTRY}/team/pusher@${digest}`])
    expect(sim.registry.resolve(`${REGISTRY}/team/pusher:2`)).toMatchObject({imageId: state.latestImage!.id, rev: svc[0]})

    const report = JSON.parse((await ssh(sim, 'dev', ['registry:report', 'pusher', '--format', 'json'])).stdout) as Record<string, string>
    expect(report).toMatchObject({'computed-push-on-release': 'true', 'computed-server': `${REGISTRY}/`, 'computed-image-repo': 'team/pusher', 'tag-version': '2'})
    const running = await ssh(sim, 'dev', ['graduate:image-digest', '--running', 'pusher', `${REGISTRY}/team/pusher`])
    expect([running.code, running.stdout]).toEqual([0, `${REGISTRY}/team/pusher@${digest}\n`])
  })
})

describe("the docker shim's registry answers (what the gate plugin reads)", () => {
  it('lists RepoDigests like Docker: a pulled image its registry digest, a locally built one none, an unknown one is an error', async () => {
    const pulled = await docker('dev', ['image', 'inspect', '--format', '{{json .RepoDigests}}', SVC_2])
    expect(pulled.code).toBe(0)
    expect(JSON.parse(pulled.stdout)).toEqual([`${REGISTRY}/team/svc@${digestOf(SVC_2)}`])
    expect((await docker('dev', ['image', 'inspect', '--format', '{{json .RepoDigests}}', 'dokku/synced:latest'])).stdout).toBe('[]\n')
    expect(await docker('dev', ['image', 'inspect', '--format', '{{json .RepoDigests}}', 'nope:1'])).toMatchObject({code: 1, stderr: 'Error: No such image: nope:1\n'})
    const named = await ssh(sim, 'dev', ['graduate:image-digest', SVC_2])
    expect([named.code, named.stdout]).toEqual([0, `${REGISTRY}/team/svc@${digestOf(SVC_2)}\n`])
  })

  it('answers manifest inspect when the registry has the reference and the host may read it, else exit 1', async () => {
    const found = await docker('prod', ['manifest', 'inspect', `${REGISTRY}/team/svc@${digestOf(SVC_2)}`])
    expect(found.code).toBe(0)
    expect(JSON.parse(found.stdout)).toMatchObject({schemaVersion: 2})
    expect(await docker('prod', ['manifest', 'inspect', `${REGISTRY}/team/svc:99`])).toMatchObject({code: 1, stderr: `no such manifest: ${REGISTRY}/team/svc:99\n`})
    const unreachable = await docker('prod', ['manifest', 'inspect', PRIVATE])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('unauthorized: authentication required')
    expect((await ssh(sim, 'dev', ['graduate:image-available', PRIVATE])).code).toBe(0)
    expect((await ssh(sim, 'prod', ['graduate:image-available', PRIVATE])).code).toBe(1)
  })
})
