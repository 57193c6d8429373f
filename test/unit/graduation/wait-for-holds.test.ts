import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import type {GateAppStatus} from '../../../src/dokku/parse/gate.js'
import {AppTracker} from '../../../src/graduation/apps.js'
import {EventBus} from '../../../src/graduation/events.js'
import type {GateCoordinator} from '../../../src/graduation/gates.js'
import type {PushResult} from '../../../src/graduation/transfer.js'
import {waitForHolds} from '../../../src/graduation/wait-for-holds.js'
import {API, PROD_1, WEB} from '../ui/fixtures.js'

/** Gates whose state the test sets, counting how often graduate reads it (and of which hosts). */
function fakeGates(): {gates: GateCoordinator; hold: (app: string) => void; end: (app: string, state: string) => void; reads: () => number; hostsRead: () => string[][]} {
  const states = new Map<string, string>()
  const hostsRead: string[][] = []
  const status = (app: string): GateAppStatus =>
    ({app, state: states.get(app) ?? 'armed', id: 'g', rev: null, leaseSeconds: 60, armedAt: null, expiresAt: null, reason: null}) as unknown as GateAppStatus
  const gates = {
    graduationId: 'g',
    status: async (_signal?: AbortSignal, onlyHosts?: ReadonlySet<string>) => {
      hostsRead.push([...(onlyHosts ?? [PROD_1])])
      return new Map([API, WEB].map((entry) => [`${PROD_1}/${entry.targetApp}`, status(entry.targetApp)]))
    },
  } as unknown as GateCoordinator
  return {gates, hold: (app) => states.set(app, 'held'), end: (app, state) => states.set(app, state), reads: () => hostsRead.length, hostsRead: () => hostsRead}
}

const never = new Promise<PushResult>(() => {})

/** Lets pending promise callbacks run; timers are fake here, setImmediate is not. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve))
  expect(condition()).toBe(true)
}

beforeEach(() => {
  vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']})
})
afterEach(() => {
  vi.useRealTimers()
})

function start(gates: GateCoordinator) {
  const bus = new EventBus('g', 'production')
  const tracker = new AppTracker([API, WEB], bus)
  const waiting = waitForHolds({apps: [API, WEB], pushes: new Map([[API.app, never], [WEB.app, never]]), gates, tracker, deadlineMs: 600_000})
  return {tracker, waiting}
}

describe('waiting for every app to be held', () => {
  test("the gate's holding line in each deploy's output is enough: no gate is read over the network", async () => {
    const {gates, reads} = fakeGates()
    const {tracker, waiting} = start(gates)
    tracker.line(API.app, '=====> graduate: holding api (web.1) for graduation g; old release keeps serving')
    expect(tracker.state(API.app)).toBe('held')
    expect(tracker.state(WEB.app)).not.toBe('held')
    tracker.line(WEB.app, '       graduate: still holding web (web.1) for g, 15s held, lease ends in 45s')
    await expect(waiting).resolves.toEqual({ok: true})
    expect(tracker.state(WEB.app)).toBe('held')
    expect(reads()).toBe(0)
  })

  test('a holding line of another graduation does not count', async () => {
    const {gates} = fakeGates()
    const {tracker, waiting} = start(gates)
    let result: unknown
    void waiting.then((value) => (result = value))
    tracker.line(API.app, '=====> graduate: holding api (web.1) for graduation other-graduation; old release keeps serving')
    tracker.line(WEB.app, '=====> graduate: holding web (web.1) for graduation g; old release keeps serving')
    await until(() => tracker.state(WEB.app) === 'held')
    expect(tracker.state(API.app)).not.toBe('held')
    expect(result).toBeUndefined()
  })

  test('while the deploys keep talking, the gates are not read; once one is quiet for 15 s, its host is', async () => {
    const {gates, hold, reads, hostsRead} = fakeGates()
    const {tracker, waiting} = start(gates)
    for (let second = 0; second < 30; second++) {
      tracker.line(API.app, 'remote: building…')
      tracker.line(WEB.app, 'remote: building…')
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(reads()).toBe(0)
    // The lines stop (a gate whose output was lost): within 15 s and one look, the gates are read.
    hold(API.targetApp)
    hold(WEB.targetApp)
    await vi.advanceTimersByTimeAsync(14_000)
    expect(reads()).toBe(0)
    await vi.advanceTimersByTimeAsync(6000)
    await expect(waiting).resolves.toEqual({ok: true})
    expect(hostsRead()).toEqual([[PROD_1]])
  })

  test('a gate that ended its hold on its own, found by that read, fails the wait', async () => {
    const {gates, end} = fakeGates()
    const {tracker, waiting} = start(gates)
    end(API.targetApp, 'expired')
    await vi.advanceTimersByTimeAsync(20_000)
    await expect(waiting).resolves.toMatchObject({ok: false, interrupted: false, cause: expect.stringContaining('ended the hold itself (expired')})
    expect(tracker.state(API.app)).toBe('failed')
  })
})
