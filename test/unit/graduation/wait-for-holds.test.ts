import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import type {GateAppStatus} from '../../../src/dokku/parse/gate.js'
import {AppTracker} from '../../../src/graduation/apps.js'
import {EventBus} from '../../../src/graduation/events.js'
import type {GateCoordinator} from '../../../src/graduation/gates.js'
import type {PushResult} from '../../../src/graduation/transfer.js'
import {waitForHolds} from '../../../src/graduation/wait-for-holds.js'
import {API, PROD_1, WEB} from '../ui/fixtures.js'

/** Gates whose state the test sets, counting how often graduate reads it. */
function fakeGates(): {gates: GateCoordinator; hold: (app: string) => void; reads: () => number} {
  const held = new Set<string>()
  let reads = 0
  const status = (app: string): GateAppStatus =>
    ({app, state: held.has(app) ? 'held' : 'armed', id: 'g', rev: null, leaseSeconds: 60, armedAt: null, expiresAt: null}) as unknown as GateAppStatus
  const gates = {
    status: async () => {
      reads++
      return new Map([API, WEB].map((entry) => [`${PROD_1}/${entry.targetApp}`, status(entry.targetApp)]))
    },
  } as unknown as GateCoordinator
  return {gates, hold: (app) => held.add(app), reads: () => reads}
}

const never = new Promise<PushResult>(() => {})

/** Lets pending promise callbacks run; timers are fake here, setImmediate is not. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve))
  expect(condition()).toBe(true)
}

beforeEach(() => {
  vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']})
})
afterEach(() => {
  vi.useRealTimers()
})

describe('waiting for every app to be held', () => {
  test('a deploy line saying the gate holds it has the gates read at once, not at the next fallback round', async () => {
    const bus = new EventBus('g', 'production')
    const tracker = new AppTracker([API, WEB], bus)
    const {gates, hold, reads} = fakeGates()
    const waiting = waitForHolds({apps: [API, WEB], pushes: new Map([[API.app, never], [WEB.app, never]]), gates, tracker, deadlineMs: 60_000})
    await until(() => reads() === 1)

    hold(API.targetApp)
    hold(WEB.targetApp)
    // No timer advances: the announcement alone gets the holds read.
    tracker.line(API.app, 'graduate: holding api (web.1) for graduation g; old release keeps serving')
    await expect(waiting).resolves.toEqual({ok: true})
    expect(reads()).toBe(2)
    expect(tracker.state(API.app)).toBe('held')
    expect(tracker.state(WEB.app)).toBe('held')
  })

  test('without any announcement, the fallback rounds still find the holds', async () => {
    const bus = new EventBus('g', 'production')
    const tracker = new AppTracker([API, WEB], bus)
    const {gates, hold, reads} = fakeGates()
    const waiting = waitForHolds({apps: [API, WEB], pushes: new Map([[API.app, never], [WEB.app, never]]), gates, tracker, deadlineMs: 60_000})
    await until(() => reads() === 1)
    hold(API.targetApp)
    hold(WEB.targetApp)
    await vi.advanceTimersByTimeAsync(999)
    expect(reads()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await expect(waiting).resolves.toEqual({ok: true})
    expect(reads()).toBe(2)
  })
})
