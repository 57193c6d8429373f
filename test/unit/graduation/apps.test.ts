import {describe, expect, it} from 'vitest'
import {AppTracker} from '../../../src/graduation/apps.js'
import {EventBus, type GraduationEvent} from '../../../src/graduation/events.js'
import {describeInFlight} from '../../../src/graduation-service.js'
import {API, PROD_1, PROD_2, REV, WEB, WORKER} from '../ui/fixtures.js'

function tracked() {
  const bus = new EventBus('20261123T101500Z-3f9a', 'production', () => new Date(0))
  const events: GraduationEvent[] = []
  bus.subscribe((event) => events.push(event))
  return {bus, events, tracker: new AppTracker([API, WEB, WORKER], bus)}
}

describe('the app tracker’s snapshot', () => {
  it('is what the bus shows renderers: every app in plan order, as its latest app event said', () => {
    const {bus, events, tracker} = tracked()
    expect(bus.apps().map(({app, host, state}) => ({app, host, state}))).toEqual([
      {app: 'api', host: PROD_1, state: 'planned'},
      {app: 'web', host: PROD_1, state: 'planned'},
      {app: 'worker', host: PROD_2, state: 'skipped'},
    ])
    tracker.set('api', 'held')
    tracker.set('api', 'failed', 'api on dokku@prod-1: the checks failed')
    tracker.set('web', 'aborted')
    const [api, web] = bus.apps()
    const lastEvent = events.filter((event) => event.type === 'app' && event.app === 'api').at(-1)
    expect(api).toMatchObject({state: 'failed', rev: REV.apiOld, message: 'api on dokku@prod-1: the checks failed', plan: API})
    expect(lastEvent).toMatchObject({state: api?.state, rev: api?.rev, message: api?.message})
    // The message belongs to the change that gave it: a later change without one shows none.
    tracker.set('api', 'aborted')
    expect(bus.apps()[0]?.message).toBeUndefined()
    expect(web).toMatchObject({state: 'aborted', message: undefined})
  })

  it('keeps each app’s latest 30 Dokku lines, and cannot be changed by its reader', () => {
    const {bus, tracker} = tracked()
    for (let line = 1; line <= 40; line++) tracker.line('api', `line ${line}`)
    const [api] = bus.apps()
    expect(api?.lastLines).toHaveLength(30)
    expect(api?.lastLines[0]).toBe('line 11')
    expect(() => (api?.lastLines as string[]).push('mine')).toThrow(TypeError)
    expect(() => Object.assign(api!, {state: 'live'})).toThrow(TypeError)
    expect(bus.apps()[0]).toMatchObject({state: 'planned', lastLines: expect.arrayContaining(['line 40'])})
  })

  it('tells the interrupt watch which apps are in flight: started and not yet ended', () => {
    const {bus, tracker} = tracked()
    expect(describeInFlight(bus.apps())).toBe('no app deploys; unlocking and reporting')
    tracker.set('web', 'held')
    tracker.set('api', 'pushing')
    expect(describeInFlight(bus.apps())).toBe(`api (${PROD_1}) pushing, web (${PROD_1}) held`)
    tracker.set('api', 'live')
    tracker.set('web', 'aborting')
    expect(describeInFlight(bus.apps())).toBe(`web (${PROD_1}) aborting`)
  })
})
