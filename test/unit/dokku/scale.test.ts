import {describe, expect, it} from 'vitest'

import {psScaleReport} from '../../../src/dokku/commands/core.js'
import {maxParallelByType, parseProcessScale} from '../../../src/dokku/parse/scale.js'
import {renderCommand} from '../../../src/dokku/quote.js'
import {UnexpectedOutputError} from '../../../src/errors.js'

describe('ps:scale <app> --format json', () => {
  it('is sent as Dokku documents it', () => {
    expect(renderCommand(psScaleReport('api'))).toBe('ps:scale api --format json')
  })

  it('reads the formation Dokku prints (docs/processes/process-management.md)', () => {
    const stdout = '[{"process_type":"web","quantity":1},{"process_type":"worker","quantity":4}]\n'
    expect(parseProcessScale(stdout, psScaleReport('api'))).toEqual({web: 1, worker: 4})
  })

  it('reads an app without scale as none', () => {
    expect(parseProcessScale('[]\n', psScaleReport('api'))).toEqual({})
  })

  it.each(['-----> Scaling for api\nproctype: qty\n', '[{"process_type":"web","quantity":-1}]', '{"web":1}'])('refuses %j', (stdout) => {
    expect(() => parseProcessScale(stdout, psScaleReport('api'))).toThrow(UnexpectedOutputError)
  })
})

describe("app.json's formation.<type>.max_parallel", () => {
  it('reads each positive whole number', () => {
    const appJson = JSON.stringify({formation: {web: {quantity: 3, max_parallel: 3}, worker: {quantity: 1}, clock: {max_parallel: 0}}})
    expect(maxParallelByType(appJson)).toEqual({web: 3})
  })

  it.each([undefined, '', 'not json', '[]', '{"formation":[1]}', '{"formation":{"web":{"max_parallel":"2"}}}', '{"formation":{"web":null}}'])('finds none in %j', (appJson) => {
    expect(maxParallelByType(appJson)).toEqual({})
  })
})
