import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from './index.js'
import {type RunResult, WorkingCopy, liveRev, simApp, ssh, waitFor} from '../support/sim-client.js'

/*
 * The real gate plugin inside a simulated Dokku host, driven the way a person (or graduate) drives
 * it: system `git` pushes and `ssh dokku@host graduate:…` commands, checked against PROTOCOL.md,
 * DESIGN.md §3 and what a real Dokku 0.38.27 did (dokku-observed.md §1–§6, §9).
 */
const HOST = 'production'
/** Longer than any test here runs, so a hold only ends by its decision, except where expiry is tested. */
const LEASE_SECONDS = 300
const PAIR_FORMATION = JSON.stringify({formation: {web: {quantity: 2, max_parallel: 2}}})

let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({
    hosts: [
      {
        name: HOST,
        apps: [
          simApp('unarmed'),
          simApp('released'),
          simApp('aborted'),
          simApp('expiring'),
          simApp('guarded'),
          simApp('abandoned'),
          simApp('pair', {'app.json': PAIR_FORMATION}),
          simApp('shape'),
          simApp('wrong-id'),
          simApp('checked'),
          simApp('switching'),
        ],
      },
    ],
  })
})

afterAll(async () => {
  await sim?.stop()
})

interface HeldContainer {
  proc: string
  index: number
  cid: string
  since: number
}

interface AppStatus {
  app: string
  state: string
  id: string | null
  rev: string | null
  lease: number | null
  armed_at: number | null
  expires_at: number | null
  build: string | null
  held_at: number | null
  containers: HeldContainer[]
  decision: string | null
  decided_at: number | null
  reason: string | null
  waiting: number
  switch: {reached_ms: number; passed_ms: number | null; by: string | null} | null
}

interface StatusDocument {
  protocol: number
  version: string
  now: number
  apps: AppStatus[]
}

function gate(verb: string, args: string[], options: {input?: string} = {}): Promise<RunResult> {
  return ssh(sim, HOST, [`graduate:${verb}`, ...args], options)
}

async function statusDocument(apps: string[]): Promise<StatusDocument> {
  const result = await gate('status', ['--format', 'json', ...apps])
  if (result.code !== 0) throw new Error(`graduate:status exited ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as StatusDocument
}

async function statusOf(app: string): Promise<AppStatus> {
  return (await statusDocument([app])).apps[0]!
}

function snapshotOf(app: string) {
  const found = sim
    .state()
    .hosts.find((host) => host.name === HOST)!
    .apps.find((candidate) => candidate.name === app)
  if (!found) throw new Error(`no app ${app} on ${HOST}`)
  return found
}

async function deployLocked(app: string): Promise<boolean> {
  const report = await ssh(sim, HOST, ['apps:report', app, '--app-locked'])
  if (report.code !== 0) throw new Error(`apps:report ${app} exited ${report.code}: ${report.stderr}`)
  return report.stdout === 'true\n'
}

/** A push of a new revision of `app`, armed for graduation `id` and held at the gate. */
interface HeldPush {
  app: string
  id: string
  oldRev: string
  newRev: string
  output(): string
  /** The push client is still running. */
  running(): boolean
  /** Waits (with a deadline) for the push client to end and gives its exit code. */
  exitCode(): Promise<number | null>
  /** Kills the push client's whole process group: git, the `sh -c` wrapper and the real ssh (observed §4). */
  killClient(): void
  /** Aborts the hold if the test left it standing, then removes the working copy. */
  cleanUp(): Promise<void>
}

async function holdPush(app: string, id: string, files: Record<string, string> = {'app.txt': `${app} v2`}, options: {switchWaitSeconds?: number} = {}): Promise<HeldPush> {
  const copy = await WorkingCopy.clone(sim, HOST, app)
  const oldRev = await liveRev(sim, HOST, app)
  if (!oldRev) throw new Error(`${app} serves nothing before the test`)
  const newRev = await copy.commit(files)
  const armed = await gate('arm', [app, id, newRev, String(LEASE_SECONDS), ...(options.switchWaitSeconds === undefined ? [] : [String(options.switchWaitSeconds)])])
  expect(armed, 'graduate:arm').toMatchObject({code: 0, stdout: `-----> graduate: armed ${app} for graduation ${id} (rev ${newRev}, lease ${LEASE_SECONDS}s)\n`})

  const push = copy.startPush()
  let ended: {code: number | null} | undefined
  void push.exit.then((code) => (ended = {code}))
  const held: HeldPush = {
    app,
    id,
    oldRev,
    newRev,
    output: push.output,
    running: () => ended === undefined,
    exitCode: async () => (await waitFor(`the push of ${app} to end`, () => ended)).code,
    killClient: () => process.kill(-push.child.pid!, 'SIGKILL'),
    cleanUp: async () => {
      try {
        if ((await statusOf(app)).state === 'held') await gate('abort', [id, app])
        if (ended === undefined) await held.exitCode()
      } finally {
        copy.remove()
      }
    },
  }
  try {
    await waitFor(`${app} to be held`, async () => (await statusOf(app)).state === 'held' || !held.running())
    if (!held.running()) throw new Error(`the push of ${app} ended (exit ${ended?.code}) instead of being held:\n${push.output()}`)
  } catch (error) {
    await held.cleanUp()
    throw error
  }
  return held
}

/** The gate's first line for a held container, as the push client shows it. */
const holdingLine = (app: string, container: string, id: string) => `remote: =====> graduate: holding ${app} (${container}) for graduation ${id}; old release keeps serving`

/**
 * After an abort or an expiry, once the push has ended (and with it the deploy): the gate's watcher
 * removes the held build's containers, which Dokku leaves Exited (observed §3), before anything is
 * disarmed; the old release's containers run on untouched.
 */
async function expectAbortedContainersRemoved(held: HeldPush, serving: ReturnType<typeof snapshotOf>['containers']): Promise<void> {
  await waitFor(`the containers of ${held.app}'s aborted build to be removed`, () => !snapshotOf(held.app).containers.some((container) => container.rev === held.newRev), {timeoutMs: 10_000})
  expect(snapshotOf(held.app).containers.filter((container) => container.rev === held.oldRev)).toEqual(serving)
}

/** The old release's containers, running. */
function servingContainers(app: string, rev: string): ReturnType<typeof snapshotOf>['containers'] {
  const serving = snapshotOf(app).containers.filter((container) => container.rev === rev)
  expect(serving.map((container) => container.state)).toEqual(['running'])
  return serving
}

/** After an abort or an expiry: traffic, ref, `latest` and GIT_REV all still on the old revision. */
async function expectOldReleaseKept(held: HeldPush): Promise<void> {
  const {app, id, oldRev} = held
  expect(await liveRev(sim, HOST, app)).toBe(oldRev)
  const snapshot = snapshotOf(app)
  expect(snapshot.branchSha).toBe(oldRev)
  expect(snapshot.latestRev).toBe(oldRev)
  expect(snapshot.gitRev).toBe(oldRev)
  expect((await ssh(sim, HOST, ['config:get', app, 'GIT_REV'])).stdout).toBe(`${oldRev}\n`)

  // On real Dokku a restart now ships the aborted build (observed §3); restored, it ships the old one.
  expect(await gate('disarm', [id, app])).toMatchObject({code: 0, stdout: `disarmed ${app}\n`})
  const restart = await ssh(sim, HOST, ['ps:restart', app])
  expect(restart.code, restart.stdout + restart.stderr).toBe(0)
  expect(await liveRev(sim, HOST, app)).toBe(oldRev)
  expect(snapshotOf(app).containers.filter((container) => container.state === 'running').map((container) => container.rev)).toEqual([oldRev])
}

describe('a push with the gate installed', () => {
  it('passes straight through when the app is not armed', async () => {
    const plugins = await ssh(sim, HOST, ['plugin:list'])
    expect(plugins.stdout).toMatch(/^\s+graduate\s/m)
    expect(plugins.stdout).toMatch(/^\s+zz-graduate-gate\s/m)

    const copy = await WorkingCopy.clone(sim, HOST, 'unarmed')
    try {
      const sha = await copy.commit({'app.txt': 'unarmed v2'})
      const push = await copy.push()
      expect(push.code, push.stderr).toBe(0)
      expect(push.stderr).not.toContain('graduate:')
      expect(await liveRev(sim, HOST, 'unarmed')).toBe(sha)
      expect((await statusOf('unarmed')).state).toBe('unarmed')
    } finally {
      copy.remove()
    }
  })
})

describe('a held push', () => {
  it('waits after the checks with the old release serving and the deploy lock held, then goes live on release', async () => {
    const held = await holdPush('released', 'grad-release')
    try {
      await waitFor('the holding line in the push output', () => held.output().includes(holdingLine('released', 'web.1', 'grad-release')))
      // The hold comes after Dokku's own checks passed (the gate's trigger sorts after scheduler-docker-local).
      const checked = held.output().indexOf('All checks successful (web.1)')
      expect(checked).toBeGreaterThan(-1)
      expect(checked).toBeLessThan(held.output().indexOf(holdingLine('released', 'web.1', 'grad-release')))
      expect(await liveRev(sim, HOST, 'released')).toBe(held.oldRev)
      expect(held.running()).toBe(true)
      expect(await deployLocked('released')).toBe(true)
      expect(snapshotOf('released').branchSha).toBe(held.oldRev)

      expect(await gate('release', ['grad-release', 'released'])).toMatchObject({code: 0, stdout: 'released released\n'})
      expect(await held.exitCode()).toBe(0)
      expect(held.output()).toContain('remote:        graduate: released released (web.1)')
      expect(await liveRev(sim, HOST, 'released')).toBe(held.newRev)
      expect(snapshotOf('released').branchSha).toBe(held.newRev)
      expect(await deployLocked('released')).toBe(false)
      expect((await statusOf('released')).state).toBe('released')
    } finally {
      await held.cleanUp()
    }
  })

  it('is rejected on abort, and the old release stays live, in the ref, in latest and in GIT_REV', async () => {
    const held = await holdPush('aborted', 'grad-abort')
    try {
      const serving = servingContainers('aborted', held.oldRev)
      // As on real Dokku (observed §1), the held build already owns `latest` and GIT_REV.
      expect(snapshotOf('aborted')).toMatchObject({latestRev: held.newRev, gitRev: held.newRev})
      expect(await gate('abort', ['grad-abort', 'aborted'])).toMatchObject({code: 0, stdout: 'aborted aborted\n'})
      expect(await held.exitCode()).toBe(1)
      await expectAbortedContainersRemoved(held, serving)
      expect(held.output()).toContain('remote:  !     graduate: aborted aborted (web.1) by graduation grad-abort; restored dokku/aborted:latest and GIT_REV')
      expect(held.output()).toContain('! [remote rejected] HEAD -> main (pre-receive hook declined)')
      expect((await statusOf('aborted')).state).toBe('aborted')
      await expectOldReleaseKept(held)
    } finally {
      await held.cleanUp()
    }
  })

  it('is aborted by the gate itself when the lease runs out without a decision', async () => {
    const held = await holdPush('expiring', 'grad-expire')
    try {
      const serving = servingContainers('expiring', held.oldRev)
      // Re-arming with the same id sets a new lease from now: the hold is in place, and ends in 2 s.
      expect((await gate('arm', ['expiring', 'grad-expire', held.newRev, '2'])).code).toBe(0)
      expect(await held.exitCode()).toBe(1)
      await expectAbortedContainersRemoved(held, serving)
      expect(held.output()).toMatch(/remote: {2}! {5}graduate: the lease of graduation grad-expire ended at \d+ without a decision; aborted expiring \(web\.1\); restored dokku\/expiring:latest and GIT_REV/)
      expect(held.output()).toContain('! [remote rejected] HEAD -> main (pre-receive hook declined)')
      expect(await statusOf('expiring')).toMatchObject({state: 'expired', decision: 'expired'})
      await expectOldReleaseKept(held)
    } finally {
      await held.cleanUp()
    }
  })

  it('refuses a ps:restart and a ps:scale of the held app, and the hold goes on unharmed', async () => {
    const held = await holdPush('guarded', 'grad-guard')
    try {
      const before = await statusOf('guarded')
      const restart = await ssh(sim, HOST, ['ps:restart', 'guarded'])
      expect(restart.code).not.toBe(0)
      expect(restart.stdout + restart.stderr).toContain(' !     graduate: guarded is held for graduation grad-guard; refusing this ps:restart deploy (web.1)')
      const scale = await ssh(sim, HOST, ['ps:scale', 'guarded', 'web=2'])
      expect(scale.code).not.toBe(0)
      expect(scale.stdout + scale.stderr).toContain(' !     graduate: guarded is held for graduation grad-guard; refusing this ps:scale deploy (web.1)')

      const during = await statusOf('guarded')
      expect(during).toMatchObject({state: 'held', build: before.build, containers: before.containers, waiting: 1})
      expect(held.running()).toBe(true)
      expect(await liveRev(sim, HOST, 'guarded')).toBe(held.oldRev)
      // The refused deploys' containers were stopped: only the old web.1 and the held one run.
      const running = snapshotOf('guarded').containers.filter((container) => container.state === 'running')
      expect(running.map((container) => container.rev).sort()).toEqual([held.newRev, held.oldRev].sort())

      expect((await gate('release', ['grad-guard', 'guarded'])).code).toBe(0)
      expect(await held.exitCode()).toBe(0)
      expect(await liveRev(sim, HOST, 'guarded')).toBe(held.newRev)
    } finally {
      await held.cleanUp()
    }
  })

  it('stays held when the push client is killed, and a release still takes the new revision live', async () => {
    const held = await holdPush('abandoned', 'grad-abandon')
    try {
      expect(sim.sshStats(HOST).open).toBe(1)
      held.killClient()
      expect(await held.exitCode()).toBe(null)
      // The host's sshd has seen the client go and closed the push command's pipes.
      await waitFor('the host to close the killed push session', () => sim.sshStats(HOST).open === 0)
      const during = await statusOf('abandoned')
      expect(during).toMatchObject({state: 'held', waiting: 1})
      expect(await deployLocked('abandoned')).toBe(true)
      expect(await liveRev(sim, HOST, 'abandoned')).toBe(held.oldRev)

      expect((await gate('release', ['grad-abandon', 'abandoned'])).code).toBe(0)
      await waitFor('the new revision to go live without its client', async () => (await liveRev(sim, HOST, 'abandoned')) === held.newRev)
      await waitFor('the deploy to finish', async () => !(await deployLocked('abandoned')))
      expect(snapshotOf('abandoned').builds.find((build) => build.id === during.build)).toMatchObject({source: 'git-hook', status: 'succeeded'})
      // git receive-pack died with the session (observed §4), so nothing moves the branch ref: the
      // revision is live while the ref still names the old one — which is why graduate verifies
      // deploys by Dokku's deploy-source metadata, not by the ref.
      expect(snapshotOf('abandoned')).toMatchObject({branchSha: held.oldRev, deploySourceMetadata: held.newRev})
    } finally {
      await held.cleanUp()
    }
  })

  it('holds two web containers deployed in parallel and releases both with one decision', async () => {
    const held = await holdPush('pair', 'grad-pair', {'app.txt': 'pair v2', 'app.json': PAIR_FORMATION})
    try {
      const both = await waitFor('both web containers at the gate', async () => {
        const status = await statusOf('pair')
        return status.containers.length === 2 && status.waiting === 2 && status
      })
      expect(both.containers.map((container) => `${container.proc}.${container.index}`)).toEqual(['web.1', 'web.2'])
      await waitFor('both holding lines', () => ['web.1', 'web.2'].every((container) => held.output().includes(holdingLine('pair', container, 'grad-pair'))))
      expect(await liveRev(sim, HOST, 'pair')).toBe(held.oldRev)

      expect(await gate('release', ['grad-pair', 'pair'])).toMatchObject({code: 0, stdout: 'released pair\n'})
      expect(await held.exitCode()).toBe(0)
      expect(held.output()).toContain('graduate: released pair (web.1)')
      expect(held.output()).toContain('graduate: released pair (web.2)')
      expect(await liveRev(sim, HOST, 'pair')).toBe(held.newRev)
      const running = snapshotOf('pair').containers.filter((container) => container.state === 'running' && container.rev === held.newRev)
      expect(running.map((container) => `${container.proc}.${container.index}`).sort()).toEqual(['web.1', 'web.2'])
    } finally {
      await held.cleanUp()
    }
  })
})

describe('the gate verbs over ssh', () => {
  it('report each state of an app as the JSON document PROTOCOL.md describes', async () => {
    const version = await gate('version', [])
    expect(version).toMatchObject({code: 0, stdout: expect.stringMatching(/^graduate-gate \d+\.\d+\.\d+ protocol 4\n$/)})

    const unarmed = await statusDocument(['shape'])
    expect(Object.keys(unarmed).sort()).toEqual(['apps', 'now', 'protocol', 'version'])
    expect(unarmed).toMatchObject({protocol: 4, version: version.stdout.split(' ')[1]})
    expect(unarmed.apps).toEqual([
      {app: 'shape', state: 'unarmed', id: null, rev: null, lease: null, armed_at: null, expires_at: null, build: null, held_at: null, containers: [], decision: null, decided_at: null, reason: null, waiting: 0, switch: null},
    ])

    const held = await holdPush('shape', 'grad-shape')
    try {
      const status = await statusDocument(['shape'])
      const app = status.apps[0]!
      expect(Object.keys(app).sort()).toEqual(['app', 'armed_at', 'build', 'containers', 'decided_at', 'decision', 'expires_at', 'held_at', 'id', 'lease', 'reason', 'rev', 'state', 'switch', 'waiting'])
      expect(app).toMatchObject({app: 'shape', state: 'held', id: 'grad-shape', rev: held.newRev, lease: LEASE_SECONDS, decision: null, decided_at: null, reason: null, waiting: 1})
      expect(app.expires_at).toBe(app.armed_at! + LEASE_SECONDS)
      expect(app.held_at).toBeGreaterThanOrEqual(app.armed_at!)
      expect(app.held_at).toBeLessThanOrEqual(status.now)
      const running = snapshotOf('shape').builds.find((build) => build.status === 'running')
      expect(app.build).toBe(running?.id)
      const upcoming = snapshotOf('shape').containers.find((container) => container.rev === held.newRev)!
      expect(app.containers).toEqual([{proc: 'web', index: 1, cid: upcoming.id, since: expect.any(Number)}])
      // The hold and its first container are stamped a moment apart: the same second, or the next under load.
      expect(app.containers[0]!.since - app.held_at!).toBeGreaterThanOrEqual(0)
      expect(app.containers[0]!.since - app.held_at!).toBeLessThanOrEqual(2)

      expect((await gate('release', ['grad-shape', 'shape'])).code).toBe(0)
      expect(await held.exitCode()).toBe(0)
      const released = (await statusDocument(['shape'])).apps[0]!
      expect(released).toMatchObject({state: 'released', decision: 'release', reason: expect.stringContaining('grad-shape'), waiting: 0})
      expect(released.decided_at).toBeGreaterThanOrEqual(app.held_at!)
    } finally {
      await held.cleanUp()
    }
  })

  it('holds a released deploy at its first nginx reload until graduate:switch, and the router switches then', async () => {
    const held = await holdPush('switching', 'grad-switch', {'app.txt': 'switching v2'}, {switchWaitSeconds: 60})
    try {
      expect((await gate('release', ['grad-switch', 'switching'])).code).toBe(0)
      const awaited = await gate('await-switch', ['grad-switch', '60', 'switching'])
      expect(awaited.stdout).toMatch(/^at-switch switching \d{13}\n$/)
      // At the switch: the new config is written, but nginx has not reloaded, so the old release serves.
      expect(await liveRev(sim, HOST, 'switching')).toBe(held.oldRev)
      expect(held.running()).toBe(true)
      expect((await gate('switch', ['grad-switch', 'switching'])).stdout).toMatch(/^switched switching \d{13} \d{13}\n$/)
      await waitFor('the router to serve the new revision', async () => (await liveRev(sim, HOST, 'switching')) === held.newRev)
      expect(await held.exitCode()).toBe(0)
      expect(held.output()).toContain('remote:        graduate: switching switching together with graduation grad-switch')
    } finally {
      await held.cleanUp()
    }
  })

  it('refuses a decision from another graduation, naming the one the app is armed for', async () => {
    const copy = await WorkingCopy.clone(sim, HOST, 'wrong-id')
    try {
      const sha = await copy.commit({'app.txt': 'wrong-id v2'})
      expect((await gate('arm', ['wrong-id', 'grad-right', sha, String(LEASE_SECONDS)])).code).toBe(0)
      for (const verb of ['release', 'abort']) {
        const refused = await gate(verb, ['grad-wrong', 'wrong-id'])
        expect(refused.code).toBe(1)
        expect(refused.stdout).toBe('')
        expect(refused.stderr).toMatch(/^ ! {5}graduate: wrong-id is armed for graduation grad-right\b.*grad-wrong/)
      }
      expect(await statusOf('wrong-id')).toMatchObject({state: 'armed', id: 'grad-right', decision: null})
      expect(await gate('disarm', ['grad-right', 'wrong-id'])).toMatchObject({code: 0, stdout: 'disarmed wrong-id\n'})
    } finally {
      copy.remove()
    }
  })

  it('takes, refuses, reports and releases the environment lock', async () => {
    const taken = await gate('lock', ['staging', 'grad-lock-1', '600', 'alice@laptop'])
    expect(taken.code, taken.stderr).toBe(0)
    const acquired = JSON.parse(taken.stdout) as {acquired: boolean; lock: Record<string, unknown>; replaced: unknown}
    expect(acquired).toMatchObject({acquired: true, replaced: null, lock: {env: 'staging', id: 'grad-lock-1', owner: 'alice@laptop', ttl: 600}})
    expect(acquired.lock['expires_at']).toBe((acquired.lock['acquired_at'] as number) + 600)

    const refused = await gate('lock', ['staging', 'grad-lock-2', '600', 'bob@desk'])
    expect(refused.code).toBe(4)
    expect(JSON.parse(refused.stdout)).toEqual({acquired: false, lock: acquired.lock})
    expect(refused.stderr).toContain('environment staging is locked by graduation grad-lock-1 (owner alice@laptop)')

    const status = await gate('lock-status', ['staging', '--format', 'json'])
    expect(JSON.parse(status.stdout)).toMatchObject({env: 'staging', locked: true, expired: false, lock: acquired.lock})

    const wrongUnlock = await gate('unlock', ['staging', 'grad-lock-2'])
    expect(wrongUnlock.code).toBe(1)
    expect(wrongUnlock.stderr).toContain('locked by graduation grad-lock-1')
    expect(await gate('unlock', ['staging', 'grad-lock-1'])).toMatchObject({code: 0, stdout: 'unlocked staging\n'})
    expect(JSON.parse((await gate('lock-status', ['staging', '--format', 'json'])).stdout)).toMatchObject({env: 'staging', locked: false, expired: false, lock: null})
    expect((await gate('lock', ['staging', 'grad-lock-2', '600', 'bob@desk'])).code).toBe(0)
  })

  it('lets checks:run (five arguments, no build) through an armed app', async () => {
    const copy = await WorkingCopy.clone(sim, HOST, 'checked')
    try {
      const sha = await copy.commit({'app.txt': 'checked v2'})
      expect((await gate('arm', ['checked', 'grad-checks', sha, String(LEASE_SECONDS)])).code).toBe(0)
      const checks = await ssh(sim, HOST, ['checks:run', 'checked'])
      expect(checks.code, checks.stdout + checks.stderr).toBe(0)
      expect(checks.stdout).toContain('Running checks for web.1')
      expect(checks.stdout + checks.stderr).not.toContain('graduate:')
      expect(await statusOf('checked')).toMatchObject({state: 'armed', build: null, decision: null})
    } finally {
      await gate('disarm', ['grad-checks', 'checked'])
      copy.remove()
    }
  })
})
