import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import type {PlannedApp} from '../../../src/graduation/events.js'
import {awaitReleaseTail} from '../../../src/graduation/release-tail.js'
import type {PushResult} from '../../../src/graduation/transfer.js'

const MINUTE = 60_000

function planned(app: string): PlannedApp {
  return {app, host: 'dokku@prod:22', targetApp: app, sourceHost: 'dokku@dev:22', sourceApp: app, from: 'a'.repeat(40), to: 'b'.repeat(40), action: 'deploy', strategy: 'git'} as PlannedApp
}

function pushEnding(afterMs: number, exitCode: number | null): Promise<PushResult> {
  return new Promise((resolve) => setTimeout(() => resolve({exitCode, lines: [], classification: {outcome: exitCode === 0 ? 'deployed' : 'failed', failedChecks: [], detail: ''}, liveAt: null} as PushResult), afterMs))
}

describe('waiting for Dokku to finish the released deploys', () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it('waits out a tail of minutes (150 s, as on a loaded real host) when the deploy timeout allows it', async () => {
    const waits: Array<[string[], number]> = []
    const done = awaitReleaseTail({
      entries: [planned('api'), planned('web')],
      pushes: new Map([
        ['api', pushEnding(150_000, 0)],
        ['web', pushEnding(20_000, 0)],
      ]),
      deadline: Date.now() + 30 * MINUTE,
      onWaiting: (apps, sinceMs) => waits.push([apps, sinceMs]),
    })
    await vi.advanceTimersByTimeAsync(151_000)
    const results = await done
    expect(results.get('api')).toMatchObject({ended: true, push: {exitCode: 0}})
    expect(results.get('web')).toMatchObject({ended: true, push: {exitCode: 0}})
    expect(waits[0]).toEqual([['api', 'web'], 3000])
    // Once web ended, only api is named; the reports go on until api ends.
    expect(waits.filter(([apps]) => apps.length === 1 && apps[0] === 'api').length).toBeGreaterThan(5)
    expect(waits.every(([, sinceMs]) => sinceMs <= 150_000)).toBe(true)
  })

  it('gives up on a deploy only when the deploy timeout after the decision has passed', async () => {
    const done = awaitReleaseTail({
      entries: [planned('api')],
      pushes: new Map([['api', pushEnding(40 * MINUTE, 0)]]),
      deadline: Date.now() + 30 * MINUTE,
      onWaiting: () => {},
    })
    await vi.advanceTimersByTimeAsync(30 * MINUTE)
    expect((await done).get('api')).toEqual({ended: false, push: undefined})
  })

  it('asks the host about a deploy whose stream was cut, and reports what it said', async () => {
    const asked: string[] = []
    const done = awaitReleaseTail({
      entries: [planned('api'), planned('web')],
      pushes: new Map([
        ['api', pushEnding(1000, null)],
        ['web', pushEnding(1000, null)],
      ]),
      deadline: Date.now() + 30 * MINUTE,
      awaitDeployEnd: async (entry) => {
        asked.push(entry.app)
        return entry.app === 'api'
      },
      onWaiting: () => {},
    })
    await vi.advanceTimersByTimeAsync(1000)
    const results = await done
    expect(asked.sort()).toEqual(['api', 'web'])
    expect(results.get('api')).toMatchObject({ended: true, push: {exitCode: null}})
    expect(results.get('web')).toMatchObject({ended: false, push: {exitCode: null}})
  })

  it('says nothing about a tail shorter than its first report', async () => {
    const onWaiting = vi.fn()
    const done = awaitReleaseTail({entries: [planned('api')], pushes: new Map([['api', pushEnding(500, 0)]]), deadline: Date.now() + MINUTE, onWaiting})
    await vi.advanceTimersByTimeAsync(10_000)
    await done
    expect(onWaiting).not.toHaveBeenCalled()
  })
})
