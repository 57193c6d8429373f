import {describe, expect, it} from 'vitest'

import {compareVersions} from '../../../src/operator/plugin-version.js'

describe('compareVersions', () => {
  it.each([
    ['0.1.0', '0.1.0', 0],
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '0.99.99', 1],
    ['0.2.3', '0.2.10', -1],
  ])('%s against %s is %i', (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order)
  })

  it.each(['0.1', '0.1.0-beta.1', 'v0.1.0', ''])('cannot order %j', (version) => {
    expect(compareVersions(version, '0.1.0')).toBeUndefined()
    expect(compareVersions('0.1.0', version)).toBeUndefined()
  })
})
