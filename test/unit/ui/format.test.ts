import {describe, expect, it} from 'vitest'
import {dokkuErrors} from '../../../src/ui/dokku-lines.js'
import {cleanLine, formatClock, formatDuration, formatOffset, shortRevision, wrapText} from '../../../src/ui/format.js'
import {formatTable} from '../../../src/ui/table.js'
import {FAILED_CHECK_LINES} from './fixtures.js'

describe('formatting helpers', () => {
  it.each([
    [84, '84 ms'],
    [999.6, '1000 ms'],
    [1000, '1.0s'],
    [41_234, '41.2s'],
    [59_949, '59.9s'],
    [125_000, '2m 05s'],
    [3_599_000, '59m 59s'],
    [3_720_000, '1h 02m'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('stamps offsets from the start and never goes negative', () => {
    expect(formatOffset(12_345)).toBe('+12.3s')
    expect(formatOffset(-5)).toBe('+0.0s')
  })

  it('gives the UTC time of day of an ISO time, or ? when unreadable', () => {
    expect(formatClock('2026-11-23T10:15:33.512Z')).toBe('10:15:33.512')
    expect(formatClock('2026-11-23T11:15:33.512+01:00')).toBe('10:15:33.512')
    expect(formatClock('yesterday')).toBe('?')
  })

  it.each([
    ['3f9a2c1d5e6f708192a3b4c5d6e7f8091a2b3c4d', '3f9a2c1'],
    ['sha256:9e5fb5c0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819', 'sha256:9e5fb5c'],
    ['v1.4.2', 'v1.4.2'],
    ['registry.example.com/shop/api:release-2026-11-23', 'registry.example.com/sh…'],
    ['registry.example.com:5000/shop/api@sha256:9e5fb5c0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819', 'api@sha256:9e5fb5c'],
    ['nginx@sha256:9e5fb5c0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819', 'nginx@sha256:9e5fb5c'],
  ])('shortens revision %s to %s', (rev, short) => {
    expect(shortRevision(rev)).toBe(short)
  })

  it('makes a remote line safe to print', () => {
    expect(cleanLine('\u001b[1m\u001b[31m !     \u001b[0mFailure\u001b]0;title\u0007\u0008\tnow        ')).toBe(' !     Failure  now')
  })

  it('wraps at spaces, keeps leading blanks, indents continuations and cuts words longer than a line', () => {
    expect(wrapText(' !     short', 20)).toEqual([' !     short'])
    expect(wrapText('one two three four five', 10, '  ')).toEqual(['one two', '  three', '  four', '  five'])
    expect(wrapText('/a/very/long/path/without/spaces', 12, '  ')).toEqual(['/a/very/long', '  /path/with', '  out/spaces'])
  })

  it('finds the lines where Dokku said what failed, without git’s ref status', () => {
    expect(dokkuErrors(FAILED_CHECK_LINES)).toEqual(["Failure in name='web check': unexpected status code 500", 'Could not start due to 1 failed checks (web.1)'])
  })

  it('aligns table columns by visible width, ignoring colour', () => {
    expect(formatTable([['\u001b[2mapp\u001b[22m', 'result'], ['api', '\u001b[32mlive\u001b[39m'], ['worker', 'skipped']])).toEqual([
      '\u001b[2mapp\u001b[22m     result',
      'api     \u001b[32mlive\u001b[39m',
      'worker  skipped',
    ])
  })
})
