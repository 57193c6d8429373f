import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/errors.js'
import {applyOverrides} from '../../../src/graduation/overrides.js'
import type {ResolvedOptions} from '../../../src/manifest/types.js'

const OPTIONS: ResolvedOptions = {
  concurrency: 4,
  leaseMs: 120_000,
  timeouts: {connectMs: 20_000, commandMs: 120_000, deployMs: 1_800_000, holdMs: 3_600_000, hookMs: 1_800_000, switchMs: 30_000},
}

describe('command-line overrides of the manifest options', () => {
  it('keeps the manifest value when a flag is absent and takes the flag when given', () => {
    expect(applyOverrides(OPTIONS, {})).toEqual(OPTIONS)
    expect(applyOverrides(OPTIONS, {switchTimeout: '45s', deployTimeout: '10m'}).timeouts).toMatchObject({switchMs: 45_000, deployMs: 600_000})
  })

  it('refuses a switch wait below a second, naming the flag', () => {
    expect(() => applyOverrides(OPTIONS, {switchTimeout: '500ms'})).toThrow(UsageError)
    expect(() => applyOverrides(OPTIONS, {switchTimeout: '500ms'})).toThrow(/--switch-timeout 500ms: the switch wait is counted in whole seconds/)
  })
})
