import {describe, expect, it} from 'vitest'
import {EventBus, type GraduationEvent} from '../../../src/graduation/events.js'

describe('the event bus', () => {
  it('keeps delivering to the other sinks when one throws, drops the throwing one and reports it once', () => {
    const reported: unknown[] = []
    const bus = new EventBus('20261204T101500Z-3f9a', 'production', () => new Date(0), (error) => reported.push(error))
    const received: GraduationEvent[] = []
    let broken = 0
    bus.subscribe(() => {
      broken++
      throw new Error('renderer bug')
    })
    bus.subscribe((event) => received.push(event))
    expect(() => bus.emit({type: 'decision', decision: 'release'})).not.toThrow()
    bus.emit({type: 'stage', stage: 'release'})
    expect(received.map((event) => event.type)).toEqual(['decision', 'stage'])
    expect(broken).toBe(1)
    expect(reported).toEqual([new Error('renderer bug')])
  })
})
