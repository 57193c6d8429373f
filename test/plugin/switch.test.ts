import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {type GateRun, type PluginHost, waitFor} from './harness.js'
import {GateScenario, ID, NEW_REV, useGateScenario} from './scenario.js'

// The second hold point (PROTOCOL.md "nginx-pre-reload"): the released deploy's first nginx reload
// waits for graduate:switch; everything else passes at once, and nothing waits past its bound.
const BUILD = 'mwt5e6etaozwuh'

let scenario: GateScenario
let host: PluginHost

useGateScenario((created) => {
  scenario = created
  host = created.host
})

/** Arms api (with `switchWait` seconds at the switch), holds its push and releases it. */
async function released(switchWait = 60): Promise<void> {
  const armed = await host.verb('arm', ['api', ID, NEW_REV, '60', String(switchWait)])
  expect(armed.code).toBe(0)
  const gate = await scenario.holdPush({buildId: BUILD})
  expect((await host.verb('release', [ID, 'api'])).code).toBe(0)
  expect((await gate.result()).code).toBe(0)
}

async function atSwitch(reload: GateRun): Promise<void> {
  await reload.line(/graduate: api is at the nginx switch; waiting for the rest of graduation/)
}

describe('nginx-pre-reload', () => {
  test('holds the released deploy\'s first reload until graduate:switch, then lets its second one pass at once', async () => {
    await released()
    const first = host.preReload('api', {buildId: BUILD, command: 'git-hook'})
    await atSwitch(first)
    expect(first.running).toBe(true)

    const awaited = await host.verb('await-switch', [ID, '5', 'api'])
    expect(awaited).toMatchObject({code: 0, stderr: ''})
    expect(awaited.stdout).toMatch(/^at-switch api \d{13}\n$/)

    const switched = await host.verb('switch', [ID, 'api'])
    expect(switched).toMatchObject({code: 0, stderr: ''})
    expect(switched.stdout).toMatch(/^switched api \d{13} \d{13}\n$/)
    const result = await first.result()
    expect(result.code).toBe(0)
    expect(result.output).toContain('graduate: switching api together with graduation')
    // The gate records how it passed beside the reload, not before it.
    await waitFor(() => host.state('api', 'switch')?.['by'] === 'switch', 'the pass to be recorded')
    expect(host.state('api', 'switch')).toMatchObject({build: BUILD, by: 'switch'})

    // core-post-deploy's reload of the same deploy: nothing to line up.
    const second = await host.preReload('api', {buildId: BUILD, command: 'git-hook'}).result()
    expect(second).toMatchObject({code: 0, output: ''})
  })

  test('never holds a config rebuild (no build id) or a deploy the graduation did not release', async () => {
    await released()
    const rebuild = await host.preReload('api', {command: 'domains:set'}).result()
    expect(rebuild).toMatchObject({code: 0, output: ''})
    const other = await host.preReload('api', {buildId: 'someotherbuild', command: 'ps:rebuild'}).result()
    expect(other).toMatchObject({code: 0, output: ''})
    expect(host.state('api', 'switch')).toBeUndefined()
  })

  test('never holds an armed deploy that was not released', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush({buildId: BUILD})
    const reload = await host.preReload('api', {buildId: BUILD, command: 'git-hook'}).result()
    expect(reload).toMatchObject({code: 0, output: ''})
    await host.verb('abort', [ID, 'api'])
    await gate.result()
  })

  test('does not stop a released deploy armed without a switch wait (an arming by hand)', async () => {
    await scenario.arm()
    const gate = await scenario.holdPush({buildId: BUILD})
    await host.verb('release', [ID, 'api'])
    await gate.result()
    const reload = await host.preReload('api', {buildId: BUILD, command: 'git-hook'}).result()
    expect(reload).toMatchObject({code: 0, output: ''})
  })

  test('past its bound the reload goes ahead on its own and says so', async () => {
    await released(1)
    const started = Date.now()
    const reload = host.preReload('api', {buildId: BUILD, command: 'git-hook'})
    const result = await reload.result()
    expect(result.code).toBe(0)
    // Its whole bound, counted in milliseconds: whole seconds would let a 1 s bound end at once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(result.output).toMatch(/graduate: no switch from graduation \S+ within 1s of api reaching the nginx switch; reloading nginx for api on its own/)
    await waitFor(() => host.state('api', 'switch')?.['by'] === 'bound', 'the pass to be recorded')
    const awaited = await host.verb('await-switch', [ID, '5', 'api'])
    expect(awaited.stdout).toMatch(/^passed api \d{13} \d{13} bound\n$/)
  })

  test('a switch sent before the deploy gets there lets it through at once', async () => {
    await released()
    const switched = await host.verb('switch', [ID, 'api'])
    expect(switched.stdout).toBe('open api\n')
    const reload = await host.preReload('api', {buildId: BUILD, command: 'git-hook'}).result()
    expect(reload.code).toBe(0)
    expect(reload.output).toContain('graduate: switching api together with graduation')
  })

  test('a reload whose arrival cannot be recorded goes ahead at once (a full disk)', async () => {
    await released()
    const reload = await host.preReload('api', {buildId: BUILD, command: 'git-hook', diskFull: true}).result()
    expect(reload.code).toBe(0)
    expect(reload.output).toContain('could not record that api reached the nginx switch (is the disk full?); reloading nginx for api now')
  })
})

describe('graduate:await-switch', () => {
  test('says a released deploy that ended without reaching the switch is gone, and waits for one still deploying', async () => {
    await released()
    const ended = await host.verb('await-switch', [ID, '5', 'api'])
    expect(ended.stdout).toBe('gone api deploy-ended\n')

    const lock = await host.holdDeployLock('api')
    try {
      const started = Date.now()
      const deploying = await host.verb('await-switch', [ID, '1', 'api'])
      expect(deploying.stdout).toBe('waiting api deploying\n')
      // It waited for its whole bound: the deploy was still running.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    } finally {
      await lock.release()
    }
  })

  test('returns as soon as the deploy arrives at the switch', async () => {
    await released()
    const lock = await host.holdDeployLock('api')
    try {
      const awaiting = host.verb('await-switch', [ID, '60', 'api'])
      const reload = host.preReload('api', {buildId: BUILD, command: 'git-hook'})
      await atSwitch(reload)
      expect((await awaiting).stdout).toMatch(/^at-switch api \d{13}\n$/)
      await host.verb('switch', [ID, 'api'])
      expect((await reload.result()).code).toBe(0)
    } finally {
      await lock.release()
    }
  })

  test('refuses a switch for an app the graduation has not released', async () => {
    await scenario.arm()
    const switched = await host.verb('switch', [ID, 'api'])
    expect(switched.code).toBe(1)
    expect(switched.stderr).toContain('has not released api (no decision yet); only a released deploy is switched')
  })
})

describe('graduate:await-switch --then-switch', () => {
  test('answers, says ready, and switches when the word comes on its stdin: one command for the whole switch', async () => {
    await released()
    const reload = host.preReload('api', {buildId: BUILD, command: 'git-hook'})
    await atSwitch(reload)
    const awaiting = host.openVerb('await-switch', [ID, '60', '--then-switch', 'api'])
    await awaiting.line(/^ready$/)
    expect(awaiting.output).toMatch(/^at-switch api \d{13}\nready\n$/)
    // Still waiting for the word: the deploy has not been let go.
    expect(awaiting.running).toBe(true)
    expect(reload.running).toBe(true)

    awaiting.child.stdin!.end('switch\n')
    const result = await awaiting.result()
    expect(result.code).toBe(0)
    expect(result.output).toMatch(/^at-switch api (\d{13})\nready\nswitched api \1 \d{13}\n$/)
    const reloaded = await reload.result()
    expect(reloaded.output).toContain('graduate: switching api together with graduation')
  })

  test('a word that comes before the deploy arrives ends the wait; the deploy passes at once when it gets there', async () => {
    await released()
    const lock = await host.holdDeployLock('api')
    try {
      const awaiting = host.openVerb('await-switch', [ID, '60', '--then-switch', 'api'])
      awaiting.child.stdin!.end('switch\n')
      const result = await awaiting.result()
      expect(result).toMatchObject({code: 0, output: 'waiting api deploying\nready\nopen api\n'})
      const reload = await host.preReload('api', {buildId: BUILD, command: 'git-hook'}).result()
      expect(reload.output).toContain('graduate: switching api together with graduation')
    } finally {
      await lock.release()
    }
  })

  test('stdin closed without the word switches nothing (graduate went away)', async () => {
    await released()
    const reload = host.preReload('api', {buildId: BUILD, command: 'git-hook'})
    await atSwitch(reload)
    const awaiting = host.openVerb('await-switch', [ID, '60', '--then-switch', 'api'])
    await awaiting.line(/^ready$/)
    awaiting.child.stdin!.end()
    const result = await awaiting.result()
    expect(result.code).toBe(0)
    expect(result.output).toMatch(/^at-switch api \d{13}\nready\n$/)
    expect(reload.running).toBe(true)
    expect(host.state('api', 'switch')?.['by']).toBeUndefined()
    // The gate still lets it go when the switch comes another way.
    expect((await host.verb('switch', [ID, 'api'])).stdout).toMatch(/^switched api/)
    expect((await reload.result()).code).toBe(0)
  })

  test('never switches an app that cannot reach the switch', async () => {
    await released()
    const awaiting = host.openVerb('await-switch', [ID, '60', '--then-switch', 'api'])
    await awaiting.line(/^ready$/)
    awaiting.child.stdin!.end('switch\n')
    const result = await awaiting.result()
    expect(result).toMatchObject({code: 0, output: 'gone api deploy-ended\nready\n'})
    expect(fs.existsSync(path.join(host.dataDir, 'api', `switch-go-${ID}`))).toBe(false)
  })
})
