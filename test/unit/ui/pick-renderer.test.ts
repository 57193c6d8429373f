import {describe, expect, it} from 'vitest'
import {isCi, pickOutput, type OutputConditions} from '../../../src/ui/pick-renderer.js'
import {colorWanted} from '../../../src/ui/style.js'

const terminal: OutputConditions = {json: false, verbose: false, isTTY: true, ci: false, term: 'xterm-256color'}

describe('choosing the output', () => {
  it.each<[string, Partial<OutputConditions>, ReturnType<typeof pickOutput>]>([
    ['a terminal gets the task list', {}, 'tasks'],
    ['--json wins over a terminal', {json: true}, 'json'],
    ['--json wins in CI', {json: true, ci: true, isTTY: false}, 'json'],
    ['CI gets plain lines even with a terminal', {ci: true}, 'plain'],
    ['no terminal gets plain lines', {isTTY: false}, 'plain'],
    ['a dumb terminal gets plain lines', {term: 'dumb'}, 'plain'],
    ['a terminal that reports no width gets plain lines', {columns: 0}, 'plain'],
    ['a terminal with a width gets the task list', {columns: 120}, 'tasks'],
    ['--verbose gets plain lines, which can show every Dokku line', {verbose: true}, 'plain'],
  ])('%s', (_name, change, expected) => {
    expect(pickOutput({...terminal, ...change})).toBe(expected)
  })

  it.each<[NodeJS.ProcessEnv, boolean]>([
    [{CI: 'true'}, true],
    [{CI: '1'}, true],
    [{CI: 'woodpecker'}, true],
    [{CI: 'false'}, false],
    [{CI: '0'}, false],
    [{CI: ''}, false],
    [{}, false],
  ])('CI=%o is CI: %s', (env, expected) => {
    expect(isCi(env)).toBe(expected)
  })
})

describe('colour', () => {
  it.each<[string, boolean | undefined, NodeJS.ProcessEnv, boolean]>([
    ['on a terminal', true, {}, true],
    ['not without a terminal', false, {}, false],
    ['not with NO_COLOR', true, {NO_COLOR: '1'}, false],
    ['NO_COLOR wins over FORCE_COLOR', false, {NO_COLOR: '1', FORCE_COLOR: '1'}, false],
    ['with FORCE_COLOR without a terminal', false, {FORCE_COLOR: '1'}, true],
    ['not with FORCE_COLOR=0', true, {FORCE_COLOR: '0'}, false],
    ['not on a dumb terminal', true, {TERM: 'dumb'}, false],
  ])('%s', (_name, isTTY, env, expected) => {
    expect(colorWanted({isTTY}, env)).toBe(expected)
  })
})
