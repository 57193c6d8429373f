import {describe, expect, it} from 'vitest'
import type {GraduationEvent} from '../../../src/graduation/events.js'
import {jsonSink} from '../../../src/ui/json.js'
import {abortedByFailedChecks, graduatedWithSkip, partialAfterRelease, postHookFailed} from './fixtures.js'

function ndjson(events: GraduationEvent[]): string[] {
  const lines: string[] = []
  const sink = jsonSink((line) => lines.push(line))
  for (const event of events) sink(event)
  return lines
}

describe('--json events', () => {
  it.each([
    ['a graduation with a skipped app', graduatedWithSkip],
    ['an abort caused by failed checks', abortedByFailedChecks],
    ['a POST hook failure', postHookFailed],
    ['a partial release', partialAfterRelease],
  ])('writes every event of %s as one JSON line, in order, ending with the summary', (_name, scenario) => {
    const events = scenario()
    const lines = ndjson(events)
    for (const line of lines) expect(line).toMatch(/^\{[^\n]*\}\n$/)
    const parsed = lines.map((line) => JSON.parse(line) as GraduationEvent)
    expect(parsed).toEqual(events)
    expect(parsed.filter((event) => event.type === 'summary')).toHaveLength(1)
    expect(parsed.at(-1)?.type).toBe('summary')
  })

  it('includes Dokku deploy output and hook output', () => {
    const events = abortedByFailedChecks()
    const written = ndjson(events).map((line) => JSON.parse(line) as GraduationEvent)
    for (const type of ['app-output', 'hook-output'] as const) {
      const expected = events.filter((event) => event.type === type)
      expect(expected.length).toBeGreaterThan(0)
      expect(written.filter((event) => event.type === type)).toEqual(expected)
    }
  })

  it('starts each object with ts, id, type, env, then host and app where the event has them', () => {
    const lines = ndjson(graduatedWithSkip())
    const keys = (type: string) => Object.keys(JSON.parse(lines.find((line) => line.includes(`"type":"${type}"`))!) as object)
    expect(keys('start').slice(0, 4)).toEqual(['ts', 'id', 'type', 'env'])
    expect(keys('app').slice(0, 6)).toEqual(['ts', 'id', 'type', 'env', 'host', 'app'])
    expect(keys('problem').slice(0, 6)).toEqual(['ts', 'id', 'type', 'env', 'host', 'app'])
    expect(keys('lock').slice(0, 5)).toEqual(['ts', 'id', 'type', 'env', 'host'])
    expect(keys('summary').slice(0, 4)).toEqual(['ts', 'id', 'type', 'env'])
  })
})
