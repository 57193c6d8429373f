/**
 * Durations in the manifest: `90s`, `10m`, `1h30m`, `500ms`, or a number of seconds.
 *
 * Hand-written on purpose: `ms` has no compound forms (`1h30m`), and `parse-duration` and
 * `duration-js` accept garbage silently (`"5m abc"` is 5 minutes, `"1,5h"` is 15 hours), which is
 * the wrong failure for a timeout. The grammar is one regular expression; the arithmetic is a sum.
 */

import {describeValue} from './expectation.js'

/** Units in descending order, each at most once; the same pattern goes into the JSON Schema. */
export const DURATION_PATTERN = /^(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/

export const DURATION_EXPECTED = 'a duration like 90s, 10m, 1h30m or 500ms, or a number of seconds'

/** Node's timers overflow past 2^31-1 ms (~24.8 days) and fire at once; a day is already generous. */
export const MAX_DURATION_MS = 24 * 3_600_000

const UNIT_MS = {h: 3_600_000, m: 60_000, s: 1000, ms: 1} as const

export type DurationResult = {ok: true; ms: number} | {ok: false; problem: string}

export function parseDuration(input: string | number): DurationResult {
  const shown = describeValue(input)
  let ms: number
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return {ok: false, problem: `expected ${DURATION_EXPECTED}, got ${shown}`}
    ms = Math.round(input * 1000)
  } else {
    if (!DURATION_PATTERN.test(input)) return {ok: false, problem: `expected ${DURATION_EXPECTED}, got ${shown}`}
    ms = 0
    for (const part of input.matchAll(/(\d+)(ms|h|m|s)/g)) {
      ms += Number(part[1]) * UNIT_MS[part[2] as keyof typeof UNIT_MS]
    }
  }
  if (ms <= 0) return {ok: false, problem: `expected a duration longer than zero, got ${shown}`}
  if (ms > MAX_DURATION_MS) return {ok: false, problem: `expected a duration of at most 24h, got ${shown}`}
  return {ok: true, ms}
}
