import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {confirm, describePlanForConfirmation} from '../../../src/ui/confirm.js'
import {API, WEB, WORKER} from './fixtures.js'

/** A prompt's streams: what the user types is written to `input`; what the prompt shows collects in `shown()`. */
function promptStreams(options: {terminal?: boolean} = {}) {
  const input = new PassThrough()
  const output = Object.assign(new PassThrough(), {isTTY: options.terminal ?? false, columns: 100})
  let shown = ''
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()))
  return {input, output, shown: () => shown}
}

const QUESTION = 'Graduate 2 apps from dev to production?'

describe('confirm', () => {
  it.each([
    ['y', true],
    ['yes', true],
    [' YES ', true],
    ['n', false],
    ['No', false],
    ['', false],
  ])('answers %j with %s', async (typed, expected) => {
    const streams = promptStreams()
    const answer = confirm(QUESTION, streams)
    streams.input.write(`${typed}\n`)
    expect(await answer).toBe(expected)
    expect(streams.shown()).toBe(`${QUESTION} [y/N] `)
  })

  it('asks again after an answer that is neither yes nor no, saying what it accepts', async () => {
    const streams = promptStreams()
    const answer = confirm(QUESTION, streams)
    streams.input.write('sure\ny\n')
    expect(await answer).toBe(true)
    expect(streams.shown()).toBe(`${QUESTION} [y/N] "sure" is not an answer: type y (yes) or n (no); Enter alone means no.\n${QUESTION} [y/N] `)
  })

  it('takes the end of input as no', async () => {
    const streams = promptStreams()
    const answer = confirm(QUESTION, streams)
    streams.input.end()
    expect(await answer).toBe(false)
  })

  it('takes Ctrl-C on a terminal as no instead of hanging', async () => {
    const streams = promptStreams({terminal: true})
    const answer = confirm(QUESTION, streams)
    streams.input.write('\u0003')
    expect(await answer).toBe(false)
  })
})

describe('the plan shown for confirmation', () => {
  it('lists every app with its target, old → new revision and whether it deploys', () => {
    expect(describePlanForConfirmation({apps: [API, WEB, WORKER], skippedEnvironments: ['staging']}, {from: 'dev', to: 'production'}, {color: false})).toBe(
      `Graduate dev → production: 2 to deploy, 1 unchanged
  app     target                             revision           action
  api     dokku@prod-1.example.com:22        3f9a2c1 → 8b1d4e0  git push
  web     dokku@prod-1.example.com:22 (www)  1a2b3c4 → 5d6e7f8  git push
  worker  dokku@prod-2.example.com:22        77aa001            unchanged, skip
This passes over staging, which is not changed.
`,
    )
  })

  it('marks an app that has never been deployed to the target', () => {
    const text = describePlanForConfirmation({apps: [{...API, from: null}]}, {from: 'dev', to: 'production'}, {color: false})
    expect(text).toContain('  api  dokku@prod-1.example.com:22  (new) → 8b1d4e0  git push\n')
  })
})
