import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {waitFor, type PluginHost} from './harness.js'
import {GateScenario, ID, NEW_REV, OLD_REV, useGateScenario} from './scenario.js'

const OTHER_ID = '20261124T080000Z-77aa'

let scenario: GateScenario
let host: PluginHost

useGateScenario((created) => {
  scenario = created
  host = created.host
})

/** What Dokku leaves behind when the armed push's build fails before any container reaches the gate. */
function failedBuild(): void {
  host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
}

describe('graduate:arm', () => {
  test('records the lease and the revision to restore', async () => {
    const result = await host.verb('arm', ['api', ID, NEW_REV, '90'])
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: `-----> graduate: armed api for graduation ${ID} (rev ${NEW_REV}, lease 90s)\n`,
    })
    const armed = host.state('api', 'armed')
    expect(armed).toMatchObject({id: ID, rev: NEW_REV, lease: '90', rev_var: 'GIT_REV', prev_rev: OLD_REV, prev_rev_set: '1'})
    expect(Number(armed?.expires_at) - Number(armed?.armed_at)).toBe(90)
    // The deploy lock is only ever probed, never created.
    expect(fs.existsSync(path.join(host.libRoot, 'data', 'apps', 'api', '.deploy.lock'))).toBe(false)
  })

  test("uses the app's own revision variable", async () => {
    host.addApp('web', {image: scenario.oldImage, rev: OLD_REV, revVar: 'SOURCE_VERSION'})
    expect((await host.verb('arm', ['web', ID, NEW_REV, '60'])).code).toBe(0)
    expect(host.state('web', 'armed')).toMatchObject({rev_var: 'SOURCE_VERSION', prev_rev: OLD_REV})
    host.setConfig('web', 'SOURCE_VERSION', NEW_REV)
    expect((await host.verb('abort', [ID, 'web'])).code).toBe(0)
    expect(host.config('web', 'SOURCE_VERSION')).toBe(OLD_REV)
  })

  test('an app that does not exist exits 20 and leaves no state', async () => {
    const result = await host.verb('arm', ['nope', ID, NEW_REV, '60'])
    expect(result.code).toBe(20)
    expect(result.stderr).toBe(' !     graduate: app nope does not exist on this host; create it or fix the manifest\n')
    expect(fs.existsSync(path.join(host.dataDir, 'nope'))).toBe(false)
  })

  test.each([
    {args: ['Api', ID, NEW_REV, '60'], message: "invalid app name 'Api'"},
    {args: ['../etc', ID, NEW_REV, '60'], message: "invalid app name '../etc'"},
    {args: ['api', '-x', NEW_REV, '60'], message: "invalid graduation id '-x'"},
    {args: ['api', ID, 'a b', '60'], message: "invalid rev 'a b'"},
    {args: ['api', ID, NEW_REV, '0'], message: "invalid lease '0': give a whole number of seconds from 1 to 86400"},
    {args: ['api', ID, NEW_REV, '90000'], message: "invalid lease '90000'"},
    {args: ['api', ID, NEW_REV], message: 'usage: graduate:arm <app> <graduation-id> <rev> <lease-seconds>'},
  ])('refuses $args before touching state', async ({args, message}) => {
    const result = await host.verb('arm', args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(fs.readdirSync(host.dataDir)).toEqual(['_environments'])
  })

  test('arming again with the same id extends the lease and keeps the recorded revision', async () => {
    await host.verb('arm', ['api', ID, NEW_REV, '60'])
    const first = host.state('api', 'armed')
    failedBuild()
    expect((await host.verb('arm', ['api', ID, NEW_REV, '600'])).code).toBe(0)
    const again = host.state('api', 'armed')
    expect(again).toMatchObject({lease: '600', prev_rev: OLD_REV, armed_at: first?.armed_at})
    expect(Number(again?.expires_at)).toBeGreaterThanOrEqual(Number(first?.armed_at) + 600)
  })

  test('arming again with the same id but another revision is refused', async () => {
    await host.verb('arm', ['api', ID, NEW_REV, '60'])
    const result = await host.verb('arm', ['api', ID, 'c'.repeat(40), '60'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`already armed for graduation ${ID} with rev ${NEW_REV}`)
  })

  test("another graduation's live arming is refused, naming it and its lease end", async () => {
    await host.verb('arm', ['api', ID, NEW_REV, '60'])
    const result = await host.verb('arm', ['api', OTHER_ID, NEW_REV, '60'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      new RegExp(`api is armed for graduation ${ID}; its lease ends at ${host.state('api', 'armed')?.expires_at} \\(in \\d+s\\); wait for it`),
    )
    expect(host.state('api', 'armed')?.id).toBe(ID)
  })

  test('a stale arming (lease over, nothing held) is replaced along with its leftovers', async () => {
    await host.verb('arm', ['api', ID, NEW_REV, '1'])
    await host.verb('abort', [ID, 'api'])
    await waitFor(() => Date.now() / 1000 >= Number(host.state('api', 'armed')?.expires_at), 'the lease to end')
    expect((await host.verb('arm', ['api', OTHER_ID, NEW_REV, '60'])).code).toBe(0)
    expect(host.state('api', 'armed')?.id).toBe(OTHER_ID)
    expect(host.state('api', 'decision')).toBeUndefined()
    expect(host.state('api', 'restored')).toBeUndefined()
  })

  test('two graduations arming one app at once: exactly one wins', async () => {
    const results = await Promise.all([ID, OTHER_ID].map((id) => host.verb('arm', ['api', id, NEW_REV, '60'])))
    expect(results.map((result) => result.code).sort()).toEqual([0, 1])
    const winner = results[0]?.code === 0 ? ID : OTHER_ID
    expect(host.state('api', 'armed')?.id).toBe(winner)
  })

  test('arming while a deploy holds the deploy lock is refused', async () => {
    const lock = await host.holdDeployLock('api')
    const result = await host.verb('arm', ['api', ID, NEW_REV, '60'])
    await lock.release()
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("a deploy of api is in progress (Dokku's deploy lock is held)")
    expect(host.state('api', 'armed')).toBeUndefined()
    // A lock file nobody holds (Dokku leaves them behind) does not count.
    expect((await host.verb('arm', ['api', ID, NEW_REV, '60'])).code).toBe(0)
  })
})

describe('graduate:arm, several apps at once (protocol 3)', () => {
  const WEB_REV = 'c'.repeat(40)

  test('arms every app as the single form does, and says so in the order given', async () => {
    host.addApp('web', {image: scenario.oldImage, rev: OLD_REV, revVar: 'SOURCE_VERSION'})
    const result = await host.verb('arm', [ID, '90', `web=${WEB_REV}`, `api=${NEW_REV}`])
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout:
        `-----> graduate: armed web for graduation ${ID} (rev ${WEB_REV}, lease 90s)\n` +
        `-----> graduate: armed api for graduation ${ID} (rev ${NEW_REV}, lease 90s)\n`,
    })
    expect(host.state('web', 'armed')).toMatchObject({id: ID, rev: WEB_REV, lease: '90', rev_var: 'SOURCE_VERSION', prev_rev: OLD_REV})
    expect(host.state('api', 'armed')).toMatchObject({id: ID, rev: NEW_REV, lease: '90', rev_var: 'GIT_REV', prev_rev: OLD_REV})
    // Whether each app exists and its revision variable come from Dokku's files, as graduate:facts reads
    // them: of Dokku's commands only config:get runs, once per app.
    expect(host.calls().filter((call) => call.startsWith('dokku ')).sort()).toEqual(['dokku config:get api GIT_REV', 'dokku config:get web SOURCE_VERSION'])
  })

  test('an app that does not exist exits 20 naming it, and the others are armed (the CLI then aborts them)', async () => {
    const result = await host.verb('arm', [ID, '60', `api=${NEW_REV}`, `nope=${NEW_REV}`])
    expect(result.code).toBe(20)
    expect(result.stdout).toBe(`-----> graduate: armed api for graduation ${ID} (rev ${NEW_REV}, lease 60s)\n`)
    expect(result.stderr).toBe(' !     graduate: app nope does not exist on this host; create it or fix the manifest\n')
    expect(host.state('api', 'armed')?.id).toBe(ID)
    expect(fs.existsSync(path.join(host.dataDir, 'nope'))).toBe(false)
  })

  test.each([
    {args: [ID, '60', `Api=${NEW_REV}`], message: "invalid app name 'Api'"},
    {args: [ID, '60', `api=${NEW_REV}`, 'web'], message: 'usage: graduate:arm'},
    {args: [ID, '60', `api=${NEW_REV}`, 'web=a b'], message: "invalid rev 'a b' for web"},
    {args: [ID, '0', `api=${NEW_REV}`], message: "invalid lease '0'"},
    {args: ['-x', '60', `api=${NEW_REV}`], message: "invalid graduation id '-x'"},
    {args: [ID, '60', `api=${NEW_REV}`, `api=${WEB_REV}`], message: 'api is named twice'},
  ])('refuses $args before arming any app', async ({args, message}) => {
    const result = await host.verb('arm', args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(fs.readdirSync(host.dataDir)).toEqual(['_environments'])
  })

  test('no room for its scratch directory: nothing is armed, and it says so', async () => {
    const result = await host.verb('arm', [ID, '60', `api=${NEW_REV}`], {diskFull: true})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('nothing was armed')
    expect(host.state('api', 'armed')).toBeUndefined()
  })

  test('a state write that fails for one app is not reported as armed', async () => {
    const result = await host.verb('arm', [ID, '60', `api=${NEW_REV}`], {diskFull: 'files'})
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain('armed api')
    expect(result.stderr).toContain('api')
    expect(host.state('api', 'armed')).toBeUndefined()
  })
})

describe('graduate:renew', () => {
  test('renews the apps it can and reports the others', async () => {
    host.addApp('web', {image: scenario.oldImage, rev: OLD_REV})
    host.addApp('worker', {image: scenario.oldImage, rev: OLD_REV})
    await host.verb('arm', ['api', ID, NEW_REV, '60'])
    await host.verb('arm', ['web', OTHER_ID, NEW_REV, '60'])
    const result = await host.verb('renew', [ID, 'api', 'web', 'worker'])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^renewed api until \d+\n$/)
    expect(result.stderr).toContain(`web is armed for graduation ${OTHER_ID}, not ${ID}; not renewing its lease`)
    expect(result.stderr).toContain('worker is not armed, so there is no lease to renew')
  })

  test('a decided lease is not renewed', async () => {
    await scenario.arm()
    await host.verb('release', [ID, 'api'])
    const before = host.state('api', 'armed')?.expires_at
    const result = await host.verb('renew', [ID, 'api'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("has already decided 'release' for api; a decided lease is not renewed")
    expect(host.state('api', 'armed')?.expires_at).toBe(before)
  })
})

describe('graduate:abort without a held deploy', () => {
  test('an armed app whose build failed before the gate is restored at once', async () => {
    await scenario.arm()
    failedBuild()
    const result = await host.verb('abort', [ID, 'api'])
    expect(result).toMatchObject({code: 0, stdout: 'aborted api\n'})
    scenario.expectRestored()
    expect(host.state('api', 'restored')).toMatchObject({build: '-'})
  })

  test('while the deploy lock is held nothing is restored; disarm restores once the deploy is over', async () => {
    await scenario.arm()
    failedBuild()
    const lock = await host.holdDeployLock('api')
    expect((await host.verb('abort', [ID, 'api'])).code).toBe(0)
    expect(host.taggedImage('dokku/api:latest')).toBe(scenario.newImage)
    const refused = await host.verb('disarm', [ID, 'api'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("a deploy of api is still running (Dokku's deploy lock is held)")

    await lock.release()
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n'})
    scenario.expectRestored()
    expect(host.state('api', 'armed')).toBeUndefined()
  })

  test('aborting an app that is not armed is refused', async () => {
    const result = await host.verb('abort', [ID, 'api'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('api is not armed, so there is nothing to abort')
  })
})

describe('graduate:disarm', () => {
  test('is refused while a gate is still holding the app', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    const result = await host.verb('disarm', [ID, 'api'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`1 deploy container(s) of api are still held for graduation ${ID}; release or abort it first`)
    expect(gate.running).toBe(true)
    await host.verb('release', [ID, 'api'])
    expect((await gate.result()).code).toBe(0)
  })

  test('after a release it clears the state and leaves the new release alone', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    await host.verb('release', [ID, 'api'])
    await gate.result()
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n'})
    expect(host.taggedImage('dokku/api:latest')).toBe(scenario.newImage)
    expect(host.config('api', 'GIT_REV')).toBe(NEW_REV)
    const status = JSON.parse((await host.verb('status', ['--format', 'json', 'api'])).stdout)
    expect(status.apps[0].state).toBe('unarmed')
    // Disarming twice is harmless.
    expect((await host.verb('disarm', [ID, 'api'])).code).toBe(0)
  })

  test('restores again on disarm after a gate restored an abort, in case a later build moved latest or GIT_REV', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    await host.verb('abort', [ID, 'api'])
    await gate.result()
    scenario.expectRestored()
    // A build that started before the abort reached the host re-tags latest and sets GIT_REV again.
    host.tag('dokku/api:latest', scenario.newImage)
    host.setConfig('api', 'GIT_REV', NEW_REV)
    expect((await host.verb('disarm', [ID, 'api'])).code).toBe(0)
    scenario.expectRestored()
  })

  test('an arming that never deployed is disarmed without touching config', async () => {
    await scenario.arm()
    expect((await host.verb('disarm', [ID, 'api'])).code).toBe(0)
    expect(host.calls().filter((call) => call.startsWith('dokku config:set') || call.startsWith('dokku config:unset'))).toEqual([])
  })

  test("after an abort it removes the aborted deploy's stopped containers, and only those", async () => {
    await scenario.arm()
    const serving = host.servingContainer('api')
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    // No DOKKU_PID: no watcher cleans up after the deploy, disarm does.
    const gate = await scenario.holdPush({cid})
    await host.verb('abort', [ID, 'api'])
    expect((await gate.result()).code).toBe(1)
    host.stopContainer(cid)
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n', stderr: ''})
    expect(host.containerStatus(cid)).toBeUndefined()
    expect(host.containerStatus(serving)).toBe('running')
    expect(host.calls().filter((call) => call.startsWith('docker container rm '))).toEqual([`docker container rm ${cid}`])
  })

  test('never removes a held container that a CONTAINER.* file names, nor one still running, which it reports', async () => {
    await scenario.arm()
    const {cid: web1} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const web2 = host.addContainer(scenario.newImage)
    const first = await scenario.holdPush({cid: web1})
    const second = host.checkDeploy('api', {cid: web2, index: 2, buildId: 'mwt5e6etaozwuh', buildSource: 'git-hook', command: 'git-hook'})
    await second.line(/holding api \(web\.2\)/)
    await host.verb('abort', [ID, 'api'])
    expect((await first.result()).code).toBe(1)
    expect((await second.result()).code).toBe(1)
    // web.1 is named as serving; web.2 was never stopped (a deploy orphaned by builds:cancel).
    fs.writeFileSync(path.join(host.dokkuRoot, 'api', 'CONTAINER.web.2'), `${web1}\n`)
    host.stopContainer(web1)

    const disarm = await host.verb('disarm', [ID, 'api'])
    expect(disarm).toMatchObject({code: 0, stdout: 'disarmed api\n'})
    expect(disarm.stderr).toContain(`container ${web2.slice(0, 12)} (api web.2 of the aborted build mwt5e6etaozwuh) is running although its deploy has ended`)
    expect(disarm.stderr).toContain(`docker container rm -f ${web2.slice(0, 12)}`)
    expect([host.containerStatus(web1), host.containerStatus(web2)]).toEqual(['exited', 'running'])
    expect(host.calls().filter((call) => call.startsWith('docker container rm '))).toEqual([])
  })

  test('keeps the claim when docker cannot remove an aborted container, and a retry removes it', async () => {
    await scenario.arm()
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const gate = await scenario.holdPush({cid})
    await host.verb('abort', [ID, 'api'])
    expect((await gate.result()).code).toBe(1)
    host.stopContainer(cid)
    host.failRemovals()

    const refused = await host.verb('disarm', [ID, 'api'])
    expect(refused).toMatchObject({code: 1, stdout: ''})
    expect(refused.stderr).toContain(`could not remove container ${cid.slice(0, 12)} (api web.1 of the aborted build mwt5e6etaozwuh): Error response from daemon:`)
    expect(refused.stderr).toContain(`not every container of api's aborted deploy could be removed (above), so graduation ${ID} keeps its claim`)
    expect(host.state('api', 'armed')?.id).toBe(ID)
    expect(host.containerStatus(cid)).toBe('exited')

    host.failRemovals(false)
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n', stderr: ''})
    expect(host.containerStatus(cid)).toBeUndefined()
    expect(host.state('api', 'armed')).toBeUndefined()
  })

  test("another graduation's arming is not disarmed", async () => {
    await scenario.arm()
    const result = await host.verb('disarm', [OTHER_ID, 'api'])
    expect(result.code).toBe(1)
    expect(host.state('api', 'armed')?.id).toBe(ID)
  })
})

describe('graduate:status', () => {
  const FIELDS = [
    'app', 'state', 'id', 'rev', 'lease', 'armed_at', 'expires_at', 'build', 'held_at', 'containers',
    'decision', 'decided_at', 'reason', 'waiting', 'switch',
  ].sort()

  async function statusJson(...apps: string[]): Promise<{protocol: number; version: string; now: number; apps: Record<string, unknown>[]}> {
    const result = await host.verb('status', ['--format', 'json', ...apps])
    expect(result.code).toBe(0)
    return JSON.parse(result.stdout)
  }

  test('reports each state with the fields of the protocol', async () => {
    host.addApp('web', {image: scenario.oldImage})
    let status = await statusJson('api', 'web')
    expect(status).toMatchObject({protocol: 4, version: '0.4.1'})
    expect(Math.abs(status.now - Date.now() / 1000)).toBeLessThan(5)
    expect(status.apps[1]).toEqual({
      app: 'web', state: 'unarmed', id: null, rev: null, lease: null, armed_at: null, expires_at: null, build: null,
      held_at: null, containers: [], decision: null, decided_at: null, reason: null, waiting: 0, switch: null,
    })

    await scenario.arm()
    status = await statusJson('api')
    expect(Object.keys(status.apps[0] ?? {}).sort()).toEqual(FIELDS)
    expect(status.apps[0]).toMatchObject({state: 'armed', id: ID, rev: NEW_REV, lease: 60, build: null, waiting: 0})

    const gate = await scenario.holdPush()
    status = await statusJson('api')
    const held = status.apps[0] ?? {}
    expect(held).toMatchObject({state: 'held', build: 'mwt5e6etaozwuh', waiting: 1, decision: null})
    expect(typeof held.held_at).toBe('number')
    expect(held.containers).toEqual([{proc: 'web', index: 1, cid: expect.stringMatching(/^[0-9a-f]{64}$/), since: expect.any(Number)}])
    // The app's hold and its first container are stamped a moment apart: the same second, or the next on a loaded machine.
    const since = (held.containers as Array<{since: number}>)[0]!.since - (held.held_at as number)
    expect(since).toBeGreaterThanOrEqual(0)
    expect(since).toBeLessThanOrEqual(2)

    await host.verb('release', [ID, 'api'])
    await gate.result()
    status = await statusJson('api')
    expect(status.apps[0]).toMatchObject({state: 'released', decision: 'release', waiting: 0, reason: `graduate:release by graduation ${ID}`})
    expect(typeof status.apps[0]?.decided_at).toBe('number')
  })

  test('lists held containers by proc, then index, and the switch of its own arming, in valid JSON', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    const containers = path.join(host.dataDir, 'api', 'containers')
    const cid = (n: number) => String(n).repeat(64)
    for (const [proc, index] of [['worker', 1], ['web', 10], ['web', 2]] as const) {
      fs.writeFileSync(path.join(containers, `${proc}.${index}`), `proc=${proc}\nindex=${index}\ncid=${cid(index)}\nsince=1700000000\n`)
    }
    fs.writeFileSync(path.join(host.dataDir, 'api', 'switch'), `id=${ID}\nbuild=mwt5e6etaozwuh\nreached_ms=1700000000123\npassed_ms=\nby=\n`)
    const [api] = (await statusJson('api')).apps
    expect((api!.containers as Array<{proc: string; index: number}>).map(({proc, index}) => `${proc}.${index}`)).toEqual(['web.1', 'web.2', 'web.10', 'worker.1'])
    expect((api!.containers as unknown[])[3]).toEqual({proc: 'worker', index: 1, cid: cid(1), since: 1700000000})
    expect(api!.switch).toEqual({reached_ms: 1700000000123, passed_ms: null, by: null})
    fs.writeFileSync(path.join(host.dataDir, 'api', 'switch'), `id=${OTHER_ID}\nreached_ms=1\n`)
    expect((await statusJson('api')).apps[0]!.switch).toBeNull()
    await host.verb('abort', [ID, 'api'])
    await gate.result()
  })

  test('without apps it lists every app with gate state, and only those', async () => {
    host.addApp('web', {image: scenario.oldImage})
    host.addApp('zeta', {image: scenario.oldImage})
    await scenario.arm()
    await host.verb('arm', ['zeta', OTHER_ID, NEW_REV, '60'])
    const status = await statusJson()
    expect(status.apps.map((app) => [app.app, app.state])).toEqual([['api', 'armed'], ['zeta', 'armed']])
    const text = await host.verb('status', [])
    expect(text.stdout).toContain(`       api: armed for graduation ${ID} (rev ${NEW_REV}), lease ends in`)
  })

  test('an armed app whose lease ran out with nothing held shows as expired', async () => {
    await scenario.arm(1)
    await waitFor(() => Date.now() / 1000 >= Number(host.state('api', 'armed')?.expires_at), 'the lease to end')
    expect((await statusJson('api')).apps[0]?.state).toBe('expired')
  })

  test('post-delete removes a deleted app\'s state', async () => {
    await scenario.arm()
    expect((await host.run(path.join(host.pluginDir, 'post-delete'), ['api'])).code).toBe(0)
    expect(fs.existsSync(path.join(host.dataDir, 'api'))).toBe(false)
    expect((await statusJson('api')).apps[0]?.state).toBe('unarmed')
  })
})

describe('a state write that fails (a full disk)', () => {
  test('release says nothing was decided, exits 1 and leaves no decision', async () => {
    await scenario.arm()
    const result = await host.verb('release', [ID, 'api'], {diskFull: true})
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain('released api')
    expect(result.stderr).toContain('could not record the release of api')
    expect(host.state('api', 'decision')).toBeUndefined()
    // Once the disk has room again, the same release goes through.
    expect((await host.verb('release', [ID, 'api'])).stdout).toBe('released api\n')
    expect(host.state('api', 'decision')?.decision).toBe('release')
  })

  test('abort says nothing was decided, and restores nothing', async () => {
    await scenario.arm()
    const result = await host.verb('abort', [ID, 'api'], {diskFull: true})
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain('aborted api')
    expect(result.stderr).toContain('could not record the abort of api')
    expect(host.state('api', 'decision')).toBeUndefined()
  })

  test('renew reports the lease it could not extend, and the lease is unchanged', async () => {
    await scenario.arm()
    const before = host.state('api', 'armed')?.expires_at
    const result = await host.verb('renew', [ID, 'api'], {diskFull: true})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(`could not write the renewed lease of api`)
    expect(result.stderr).toContain(`its lease still ends at ${before}`)
    expect(host.state('api', 'armed')?.expires_at).toBe(before)
  })
})
