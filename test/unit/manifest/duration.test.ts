import {describe, expect, test} from 'vitest'

import {parseDuration} from '../../../src/manifest/duration.js'

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h0m5s250ms', 7_205_250],
    ['24h', 86_400_000],
    [90, 90_000],
    [0.25, 250],
  ] as const)('%s is %i ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ok: true, ms})
  })

  const formatProblem = (shown: string) => `expected a duration like 90s, 10m, 1h30m or 500ms, or a number of seconds, got ${shown}`

  test.each([
    ['10 minutes', formatProblem('the text "10 minutes"')],
    ['5m abc', formatProblem('the text "5m abc"')],
    ['1,5h', formatProblem('the text "1,5h"')],
    ['1.5h', formatProblem('the text "1.5h"')],
    ['30m1h', formatProblem('the text "30m1h"')],
    ['10', formatProblem('the text "10"')],
    ['m10', formatProblem('the text "m10"')],
    ['', formatProblem('the text ""')],
    ['10M', formatProblem('the text "10M"')],
    [Number.POSITIVE_INFINITY, formatProblem('the number Infinity')],
    ['0s', 'expected a duration longer than zero, got the text "0s"'],
    [0, 'expected a duration longer than zero, got the number 0'],
    [-5, 'expected a duration longer than zero, got the number -5'],
    [0.0001, 'expected a duration longer than zero, got the number 0.0001'],
    ['25h', 'expected a duration of at most 24h, got the text "25h"'],
  ] as const)('%s is refused', (input, problem) => {
    expect(parseDuration(input)).toEqual({ok: false, problem})
  })
})
