import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {killChildFamily} from '../support/process-tree.js'
import {processGone, waitFor, type PluginHost} from './harness.js'
import {GateScenario, HOLDING_WEB1, ID, NEW_REV, useGateScenario} from './scenario.js'

let scenario: GateScenario
let host: PluginHost

useGateScenario((created) => {
  scenario = created
  host = created.host
})

describe('pass-through', () => {
  test('an unarmed app passes at once and silently', async () => {
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const result = await host.checkDeploy('api', {cid, buildId: 'b1', buildSource: 'git-hook', command: 'git-hook'}).result()
    expect(result).toMatchObject({code: 0, output: ''})
    expect(fs.existsSync(host.appStateFile('api', 'held'))).toBe(false)
  })

  test('checks:run (five arguments) passes even while the app is armed', async () => {
    await scenario.arm()
    const cid = host.addContainer(scenario.oldImage)
    const result = await host.checkDeploy('api', {cid, fiveArguments: true, command: 'checks:run'}).result()
    expect(result.code).toBe(0)
    expect(fs.existsSync(host.appStateFile('api', 'held'))).toBe(false)
  })
})

describe('hold and decide', () => {
  test('release: the held deploy exits 0 well within a second of the decision', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    expect(host.state('api', 'held')).toMatchObject({id: ID, build: 'mwt5e6etaozwuh', proc: 'web', index: '1'})
    expect(fs.readdirSync(host.appStateFile('api', 'waiters'))).toEqual([String(gate.child.pid)])

    const release = await host.verb('release', [ID, 'api'])
    expect(release).toMatchObject({code: 0, stdout: 'released api\n'})
    const result = await gate.result(5_000)
    expect(result.code).toBe(0)
    expect(result.output).toContain('       graduate: released api (web.1)\n')

    const latencyMs = (gate.exitedAt ?? Infinity) - fs.statSync(host.appStateFile('api', 'decision')).mtimeMs
    console.log(`decision latency (decision written -> check-deploy exited): ${latencyMs.toFixed(1)} ms`)
    expect(latencyMs).toBeLessThan(1_000)
    // Released: the new build stays latest and nothing was restored.
    expect(host.taggedImage('dokku/api:latest')).toBe(scenario.newImage)
    expect(host.config('api', 'GIT_REV')).toBe(NEW_REV)
    expect(fs.readdirSync(host.appStateFile('api', 'waiters'))).toEqual([])
  })

  test('a decision writes a wake-up line into every waiter\'s FIFO', async () => {
    await scenario.arm()
    const fifo = path.join(host.appStateFile('api', 'waiters'), '4194304')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    // Opened read-write, as the gate opens its own, so the reader is in place before the decision.
    const reader = spawn('bash', ['-c', 'exec {fd}<>"$1"; echo ready; read -r line <&"$fd"; echo "$line"', 'waiter', fifo])
    try {
      let output = ''
      reader.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      await waitFor(() => output.startsWith('ready\n'), 'the waiter to open its FIFO')
      expect((await host.verb('release', [ID, 'api'])).code).toBe(0)
      await waitFor(() => output === 'ready\nwake\n', 'the wake-up line')
    } finally {
      reader.kill('SIGKILL')
    }
  })

  test('abort: the held deploy fails and latest and GIT_REV point at the old release again', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    const abort = await host.verb('abort', [ID, 'api'])
    expect(abort).toMatchObject({code: 0, stdout: 'aborted api\n'})
    const result = await gate.result()
    expect(result.code).toBe(1)
    expect(result.output).toContain(
      ` !     graduate: aborted api (web.1) by graduation ${ID}; restored dokku/api:latest and GIT_REV\n`,
    )
    scenario.expectRestored()
    expect(host.state('api', 'decision')).toMatchObject({decision: 'abort', id: ID})
  })

  test('abort unsets the revision variable when the app had none before', async () => {
    fs.rmSync(`${host.stubState}/apps/api/config/GIT_REV`)
    await scenario.arm()
    const gate = await scenario.holdPush()
    await host.verb('abort', [ID, 'api'])
    expect((await gate.result()).code).toBe(1)
    expect(host.config('api', 'GIT_REV')).toBeUndefined()
    expect(host.calls()).toContain('dokku config:unset --no-restart api GIT_REV')
  })

  test('a build that reaches the gate after its graduation aborted it is failed and restored', async () => {
    await scenario.arm()
    const lock = await host.holdDeployLock('api')
    expect((await host.verb('abort', [ID, 'api'])).code).toBe(0)
    // The deploy was still running, so nothing was restored yet: it could re-tag latest itself.
    expect(host.calls().some((call) => call.startsWith('docker image tag'))).toBe(false)
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const result = await host.checkDeploy('api', {cid, buildId: 'late', buildSource: 'git-hook', command: 'git-hook'}).result()
    await lock.release()
    expect(result.code).toBe(1)
    expect(result.output).toContain(`aborted api (web.1) by graduation ${ID}; restored dokku/api:latest and GIT_REV`)
    scenario.expectRestored()
  })
})

describe('deploys that are not the armed one are refused while it is armed', () => {
  test.each([
    {command: 'ps:restart', buildSource: 'ps:restart', buildId: 'r1'},
    {command: 'config:set', buildSource: 'config-redeploy', buildId: 'c1'},
    {command: 'ps:scale', buildSource: undefined, buildId: undefined},
  ])('$command while held names the graduation and the way out', async ({command, buildSource, buildId}) => {
    await host.verb('lock', ['production', ID, '600', 'ci@runner'])
    await scenario.arm()
    const held = await scenario.holdPush()
    const other = host.checkDeploy('api', {cid: host.addContainer(scenario.newImage), command, buildSource, buildId})
    const result = await other.result()
    expect(result.code).toBe(1)
    expect(result.output).toContain(
      ` !     graduate: api is held for graduation ${ID}; refusing this ${command} deploy (web.1) so it cannot race the graduation's own deploy.`,
    )
    expect(result.output).toContain(`Wait for graduation ${ID} to finish, or end it with 'graduate abort production', then deploy again.`)
    // The held deploy is untouched by the refusal.
    expect(held.running).toBe(true)
    expect(host.state('api', 'held')?.build).toBe('mwt5e6etaozwuh')
  })

  test('a ps:restart of an armed app whose push has not arrived yet is refused too', async () => {
    await scenario.arm()
    const cid = host.addContainer(scenario.oldImage)
    const result = await host.checkDeploy('api', {cid, command: 'ps:restart', buildSource: 'ps:restart', buildId: 'r1'}).result()
    expect(result.code).toBe(1)
    expect(result.output).toMatch(
      /api is armed for graduation 20261123T101500Z-3f9a \(its lease ends at \d+ \(in \d+s\)\); refusing this ps:restart deploy/,
    )
    expect(result.output).toContain("'graduate abort <env>'")
    expect(fs.existsSync(host.appStateFile('api', 'held'))).toBe(false)
  })

  test('a git push of a different revision than the armed one is refused and not held', async () => {
    await scenario.arm()
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: 'c'.repeat(40)})
    const result = await host.checkDeploy('api', {cid, buildId: 'x1', buildSource: 'git-hook', command: 'git-hook'}).result()
    expect(result.code).toBe(1)
    expect(result.output).toContain(`this push deploys GIT_REV=${'c'.repeat(40)}, but the graduation armed rev ${NEW_REV}`)
    expect(fs.existsSync(host.appStateFile('api', 'held'))).toBe(false)
  })

  test("reads the pushed revision through the config plugin's config_sub where the host has it, and arming its previous one too", async () => {
    host.withConfigSub()
    await scenario.arm()
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: 'c'.repeat(40)})
    const result = await host.checkDeploy('api', {cid, buildId: 'x1', buildSource: 'git-hook', command: 'git-hook'}).result()
    expect(result.output).toContain(`this push deploys GIT_REV=${'c'.repeat(40)}, but the graduation armed rev ${NEW_REV}`)
    expect(host.calls().filter((call) => call === 'config_sub get api GIT_REV')).toHaveLength(2)
    expect(host.calls().filter((call) => call.startsWith('dokku config:get'))).toEqual([])
  })
})

describe('containers of one build', () => {
  test('containers arriving together are all held and all follow one release', async () => {
    await scenario.arm()
    host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const gates = [1, 2, 3].map((index) => scenario.container({buildId: 'b2', index}))
    await Promise.all(gates.map((gate, at) => gate.line(new RegExp(`holding api \\(web\\.${at + 1}\\)`))))
    const status = JSON.parse((await host.verb('status', ['--format', 'json', 'api'])).stdout)
    expect(status.apps[0]).toMatchObject({state: 'held', waiting: 3, build: 'b2'})
    expect(status.apps[0].containers.map((c: {proc: string; index: number}) => `${c.proc}.${c.index}`)).toEqual(['web.1', 'web.2', 'web.3'])

    await host.verb('release', [ID, 'api'])
    for (const gate of gates) expect((await gate.result()).code).toBe(0)
  })

  test('two held containers both fail on abort, and the app is restored once', async () => {
    await scenario.arm()
    host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const web1 = scenario.container({buildId: 'b3', index: 1})
    const web2 = scenario.container({buildId: 'b3', index: 2})
    await web1.line(/holding api/)
    await web2.line(/holding api/)
    await host.verb('abort', [ID, 'api'])
    expect((await web1.result()).code).toBe(1)
    expect((await web2.result()).code).toBe(1)
    scenario.expectRestored()
    expect(host.calls().filter((call) => call.startsWith('docker image tag'))).toHaveLength(1)
  })

  test('a later container of a released build passes at once', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush({buildId: 'b4'})
    await host.verb('release', [ID, 'api'])
    expect((await gate.result()).code).toBe(0)
    const result = await scenario.container({buildId: 'b4', proc: 'worker', index: 1}).result(5_000)
    expect(result.code).toBe(0)
    expect(result.output).toBe('       graduate: released api (worker.1)\n')
  })
})

describe('decisions', () => {
  test('a decision from the wrong graduation is refused and the hold goes on', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    const wrong = await host.verb('release', ['20261123T999999Z-0000', 'api'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(`api is armed for graduation ${ID}, not 20261123T999999Z-0000; refusing to release it`)
    expect(gate.running).toBe(true)
    expect(host.state('api', 'decision')).toBeUndefined()
    await host.verb('release', [ID, 'api'])
    expect((await gate.result()).code).toBe(0)
  })

  test('release after abort is refused; the same decision twice is a no-op', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    await host.verb('abort', [ID, 'api'])
    expect((await gate.result()).code).toBe(1)
    expect(await host.verb('abort', [ID, 'api'])).toMatchObject({code: 0, stdout: 'aborted api\n'})
    const release = await host.verb('release', [ID, 'api'])
    expect(release.code).toBe(1)
    expect(release.stderr).toContain("has already decided 'abort' for api")
    expect(host.state('api', 'decision')?.decision).toBe('abort')
  })
})

describe('the deploy behind the hold goes away', () => {
  test('its parent process dying records orphaned and restores', async () => {
    await scenario.arm()
    const parent = await scenario.holdPush({underParent: true})
    const gatePid = Number(host.state('api', 'containers/web.1')?.pid)
    expect(gatePid).toBeGreaterThan(0)
    parent.child.kill('SIGKILL')

    await waitFor(() => host.state('api', 'decision')?.decision === 'orphaned', 'the orphaned decision')
    await waitFor(() => processGone(gatePid), 'the orphaned gate to exit')
    expect(host.state('api', 'decision')?.reason).toMatch(/the deploy process holding web\.1 \(pid \d+\) is gone/)
    scenario.expectRestored()
    expect(fs.readdirSync(host.appStateFile('api', 'waiters'))).toEqual([])
  })

  test('the dokku command it runs under dying (builds:cancel) records orphaned, restores and fails', async () => {
    const dokku = host.standIn()
    await scenario.arm()
    const gate = await scenario.holdPush({dokkuPid: dokku.pid})
    dokku.kill('SIGKILL')
    const result = await gate.result()
    expect(result.code).toBe(1)
    expect(result.output).toMatch(
      /aborted api \(web\.1\): the dokku command running the deploy \(pid \d+\) is gone, as after builds:cancel; restored/,
    )
    scenario.expectRestored()
  })

  test('the dokku command ending while Dokku still holds the deploy lock (a client that disconnected) does not end the hold', async () => {
    const dokku = host.standIn()
    await scenario.arm()
    const lock = await host.holdDeployLock('api')
    const gate = await scenario.holdPush({dokkuPid: dokku.pid})
    dokku.kill('SIGKILL')
    await waitFor(() => processGone(dokku.pid!), 'the stand-in to exit')
    // The gate looks at least once a second: two more rounds and still no decision.
    const seen = Date.now()
    await waitFor(() => Date.now() - seen > 2_500, 'two of the gate\'s rounds')
    expect(host.state('api', 'decision')).toBeUndefined()
    expect((await host.verb('release', [ID, 'api'])).code).toBe(0)
    expect((await gate.result()).code).toBe(0)
    await lock.release()
  })

  test('a dokku command that died but was never reaped (a zombie) counts as gone', async () => {
    // The stand-in's parent is stopped while its child dies, so nobody reaps the child.
    const parent = spawn('bash', ['-c', 'sleep 600 & echo $!; read -r _; wait'], {stdio: ['pipe', 'pipe', 'ignore']})
    const parentExited = new Promise((resolve) => parent.on('close', resolve))
    try {
      const dokkuPid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))))
      await scenario.arm()
      const gate = await scenario.holdPush({dokkuPid})
      parent.kill('SIGSTOP')
      process.kill(dokkuPid, 'SIGKILL')
      await waitFor(() => fs.readFileSync(`/proc/${dokkuPid}/stat`, 'utf8').includes(') Z'), 'the stand-in to become a zombie')
      const result = await gate.result()
      expect(result.code).toBe(1)
      expect(result.output).toContain(`the dokku command running the deploy (pid ${dokkuPid}) is gone`)
    } finally {
      // Stopped, and with its `sleep` still there when the test failed early: nothing short of SIGKILL ends both.
      killChildFamily(parent)
      await parentExited
    }
  })

  test('the gate being terminated (SIGTERM) records orphaned, restores and fails', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    gate.child.kill('SIGTERM')
    const result = await gate.result()
    expect(result.code).toBe(1)
    expect(result.output).toContain('aborted api (web.1): check-deploy for web.1 received SIGTERM; restored dokku/api:latest and GIT_REV')
    expect(host.state('api', 'decision')?.decision).toBe('orphaned')
    scenario.expectRestored()
  })

  test('a client disconnect (its output pipe closed) does not end the hold or kill the gate', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush()
    gate.child.stdout?.destroy()
    gate.child.stderr?.destroy()
    const status = JSON.parse((await host.verb('status', ['--format', 'json', 'api'])).stdout)
    expect(status.apps[0]).toMatchObject({state: 'held', waiting: 1})
    await host.verb('release', [ID, 'api'])
    // Writing "released" into the closed pipe must not kill it with SIGPIPE.
    expect(await gate.result()).toMatchObject({code: 0, signal: null})
  })
})

describe("the aborted deploy's containers", () => {
  /** Every `docker container rm` the plugin ran, by container id. */
  const removals = () => host.calls().filter((call) => call.startsWith('docker container rm '))

  test('are removed once the deploy has ended, and nothing else is: not the serving release, not another stopped container', async () => {
    const dokku = host.standIn()
    await scenario.arm()
    const serving = host.servingContainer('api')
    const unrelated = host.addContainer(scenario.oldImage)
    host.stopContainer(unrelated)
    const {cid: web1} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const web2 = host.addContainer(scenario.newImage)
    const first = await scenario.holdPush({cid: web1, dokkuPid: dokku.pid})
    const second = host.checkDeploy('api', {cid: web2, index: 2, buildId: 'mwt5e6etaozwuh', buildSource: 'git-hook', command: 'git-hook', dokkuPid: dokku.pid})
    await second.line(/holding api \(web\.2\)/)

    await host.verb('abort', [ID, 'api'])
    expect((await first.result()).code).toBe(1)
    expect((await second.result()).code).toBe(1)
    // The dokku command running the deploy still runs: Dokku has yet to stop the failed containers.
    expect([host.containerStatus(web1), host.containerStatus(web2)]).toEqual(['running', 'running'])
    expect(removals()).toEqual([])

    // kill_new stops them, then the deploy ends.
    host.stopContainer(web1)
    host.stopContainer(web2)
    dokku.kill('SIGKILL')
    await waitFor(() => host.containerStatus(web1) === undefined && host.containerStatus(web2) === undefined, 'the aborted containers to be removed')

    expect(host.containerStatus(serving)).toBe('running')
    expect(host.containerStatus(unrelated)).toBe('exited')
    expect(removals().sort()).toEqual([`docker container rm ${web1}`, `docker container rm ${web2}`].sort())
    scenario.expectRestored()
    // graduate:disarm after the watcher finds them gone and disarms.
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n', stderr: ''})
    expect(removals()).toHaveLength(2)
  })

  test('are removed only once Dokku frees its deploy lock when the dokku command ended first (a client that disconnected)', async () => {
    const dokku = host.standIn()
    await scenario.arm()
    const lock = await host.holdDeployLock('api')
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const gate = host.checkDeploy('api', {cid, buildId: 'mwt5e6etaozwuh', buildSource: 'git-hook', command: 'git-hook', dokkuPid: dokku.pid, logLockProbes: true})
    await gate.line(HOLDING_WEB1)
    dokku.kill('SIGKILL')
    await waitFor(() => processGone(dokku.pid!), 'the stand-in to exit')

    await host.verb('abort', [ID, 'api'])
    expect((await gate.result()).code).toBe(1)
    host.stopContainer(cid)
    // What the gate left behind has seen the deploy still running: the container stays until it ends.
    const probesByGate = host.deployLockProbes()
    await waitFor(() => host.deployLockProbes() > probesByGate, 'a look at the deploy lock after the gate exited')
    expect(host.containerStatus(cid)).toBe('exited')
    await lock.release()
    await waitFor(() => host.containerStatus(cid) === undefined, 'the aborted container to be removed after the deploy lock was freed')
    expect(host.containerStatus(host.servingContainer('api'))).toBe('running')
  })

  test('stay after a release', async () => {
    const dokku = host.standIn()
    await scenario.arm()
    const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
    const gate = await scenario.holdPush({cid, dokkuPid: dokku.pid})
    await host.verb('release', [ID, 'api'])
    expect((await gate.result()).code).toBe(0)
    dokku.kill('SIGKILL')
    // Even stopped (it crashed, say), a released container is the release's business, not the gate's.
    host.stopContainer(cid)
    expect(await host.verb('disarm', [ID, 'api'])).toMatchObject({code: 0, stdout: 'disarmed api\n'})
    expect(host.containerStatus(cid)).toBe('exited')
    expect(removals()).toEqual([])
  })
})
