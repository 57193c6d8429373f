import {describe, expect, it} from 'vitest'
import type {DokkuCommand} from '../../../src/dokku/command.js'
import type {HostGates} from '../../../src/graduation/gates.js'
import type {DokkuHost, RemoteOptions} from '../../../src/remote/dokku-host.js'
import {NEVER_REACHED, switchTogether} from '../../../src/graduation/switch.js'
import type {ExecResult} from '../../../src/ssh/transport.js'

/**
 * A host whose graduate:await-switch --then-switch answers when `arrive` is called (or when the word
 * comes first), prints `ready`, and switches when the word `switch` reaches its stdin; it records every
 * command it is sent and the word. `ready: false` is a gate that could not make its FIFO: it answers and
 * exits, leaving the switch to graduate:switch.
 */
function fakeHost(label: string, awaitAnswer: string, switchAnswer: string, behaviour: {ready?: boolean} = {}) {
  const sent: string[][] = []
  let arrive: (() => void) | undefined
  const arrived = new Promise<void>((resolve) => (arrive = resolve))
  const answer = (stdout: string): ExecResult => ({exitCode: 0, signal: null, stdout, stderr: '', durationMs: 1})
  const host = {
    label,
    send: async (command: DokkuCommand, options: RemoteOptions) => {
      sent.push([...command.argv])
      if (command.argv[0] === 'graduate:switch') return answer(switchAnswer)
      let open = true
      const stopped = new Promise<never>((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('stopped waiting'))))
      const word = options.laterStdin!.then((text) => {
        if (open) sent.push(['stdin', text.trim()])
      })
      try {
        await Promise.race([arrived, word, stopped])
        if (behaviour.ready === false) return answer(awaitAnswer)
        options.onStdout?.(`${awaitAnswer}ready\n`)
        await Promise.race([word, stopped])
        return answer(`${awaitAnswer}ready\n${switchAnswer}`)
      } finally {
        open = false
      }
    },
  }
  return {host: host as unknown as DokkuHost, sent, arrive: () => arrive!()}
}

const nameOf = (_host: string, app: string) => app

describe('switchTogether', () => {
  it('sends the switch to every host once every host has its apps at the switch, and says who switched together', async () => {
    const one = fakeHost('dokku@one', 'at-switch api 1000\nat-switch web 1001\n', 'switched api 1000 2000\nswitched web 1001 2000\n')
    const two = fakeHost('dokku@two', 'at-switch worker 1500\n', 'switched worker 1500 2001\n')
    const hosts: HostGates[] = [{host: one.host, apps: ['api', 'web']}, {host: two.host, apps: ['worker']}]
    const switching = switchTogether({id: 'g1', hosts, waitMs: 60_000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    one.arrive()
    // Only one host is ready: nothing is switched yet.
    await new Promise((resolve) => setImmediate(resolve))
    expect(one.sent).toEqual([['graduate:await-switch', 'g1', '60', '--then-switch', 'api', 'web']])
    two.arrive()
    const result = await switching
    // One command per host: the switch is a word on the channel each host already has open.
    expect(one.sent).toEqual([
      ['graduate:await-switch', 'g1', '60', '--then-switch', 'api', 'web'],
      ['stdin', 'switch'],
    ])
    expect(two.sent).toEqual([['graduate:await-switch', 'g1', '60', '--then-switch', 'worker'], ['stdin', 'switch']])
    expect(result).toEqual([
      {host: 'dokku@one', together: ['api', 'web'], alone: [], at: new Date(2000).toISOString()},
      {host: 'dokku@two', together: ['worker'], alone: [], at: new Date(2001).toISOString()},
    ])
  })

  it('does not wait for a slow host longer than the switch wait after the first host is ready', async () => {
    const ready = fakeHost('dokku@ready', 'at-switch api 1000\n', 'switched api 1000 2000\n')
    const slow = fakeHost('dokku@slow', 'at-switch worker 1500\n', 'open worker\n')
    const hosts: HostGates[] = [{host: ready.host, apps: ['api']}, {host: slow.host, apps: ['worker']}]
    const switching = switchTogether({id: 'g1', hosts, waitMs: 20, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    ready.arrive()
    const result = await switching
    expect(slow.sent.at(-1)).toEqual(['stdin', 'switch'])
    expect(result[1]).toEqual({host: 'dokku@slow', together: [], alone: [{app: 'worker', why: expect.stringContaining('had not reached the nginx switch'), kind: 'own'}], at: null})
  })

  it('says why an app whose deploy ended without reaching the switch went alone', async () => {
    const host = fakeHost('dokku@one', 'at-switch api 1000\ngone worker deploy-ended\n', 'switched api 1000 2000\n')
    host.arrive()
    const result = await switchTogether({id: 'g1', hosts: [{host: host.host, apps: ['api', 'worker']}], waitMs: 1000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    expect(result[0]!.together).toEqual(['api'])
    expect(result[0]!.alone).toEqual([{app: 'worker', why: expect.stringContaining('runs no nginx-pre-reload'), kind: 'own'}])
  })

  it('asks a host about its switch only once its release arrived, and switches a late one the moment it has it', async () => {
    const early = fakeHost('dokku@early', 'at-switch api 1000\n', 'switched api 1000 2000\n')
    const late = fakeHost('dokku@late', 'at-switch worker 1500\n', 'open worker\n')
    const lost = fakeHost('dokku@lost', 'at-switch docs 1500\n', 'switched docs 1 2\n')
    let deliverLate: ((delivered: boolean) => void) | undefined
    const lateDelivery = new Promise<boolean>((resolve) => (deliverLate = resolve))
    const delivered = (host: string) => (host === 'dokku@late' ? lateDelivery : Promise.resolve(host === 'dokku@early'))
    early.arrive()
    const hosts: HostGates[] = [{host: early.host, apps: ['api']}, {host: late.host, apps: ['worker']}, {host: lost.host, apps: ['docs']}]
    const switching = switchTogether({id: 'g1', hosts, delivered, waitMs: 10, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The late host has not been asked anything yet; the early one was switched after the wait.
    expect(late.sent).toEqual([])
    expect(early.sent.at(-1)).toEqual(['stdin', 'switch'])
    deliverLate!(true)
    const result = await switching
    expect(late.sent).toEqual([['graduate:await-switch', 'g1', '60', '--then-switch', 'worker'], ['stdin', 'switch']])
    expect(lost.sent).toEqual([])
    expect(result[2]).toEqual({host: 'dokku@lost', together: [], alone: [{app: 'docs', why: NEVER_REACHED, kind: 'not-switched'}], at: null})
  })

  it('does not count a host that could not be asked as ready, and says why its apps went alone', async () => {
    const down = fakeHost('dokku@down', '', '')
    const downHost = {...(down.host as unknown as Record<string, unknown>), send: async () => Promise.reject(new Error('connect ECONNREFUSED'))}
    const up = fakeHost('dokku@up', 'at-switch api 1000\n', 'switched api 1000 2000\n')
    up.arrive()
    const hosts: HostGates[] = [{host: downHost as unknown as DokkuHost, apps: ['worker']}, {host: up.host, apps: ['api']}]
    const result = await switchTogether({id: 'g1', hosts, waitMs: 60_000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    expect(result[0]).toEqual({host: 'dokku@down', together: [], alone: [{app: 'worker', why: expect.stringContaining('the switch could not be sent (connect ECONNREFUSED)'), kind: 'own'}], at: null})
    expect(result[1]!.together).toEqual(['api'])
  })

  it('counts an app the switch let go before it read the app back as switched together', async () => {
    const host = fakeHost('dokku@one', 'at-switch api 1000\nat-switch web 1001\n', 'passed api 1000 2000 switch\nswitched web 1001 2000\n')
    host.arrive()
    const result = await switchTogether({id: 'g1', hosts: [{host: host.host, apps: ['api', 'web']}], waitMs: 1000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    expect(result[0]).toEqual({host: 'dokku@one', together: ['api', 'web'], alone: [], at: new Date(2000).toISOString()})
  })

  it('sends graduate:switch to a host whose gate answered without waiting for the word (no FIFO)', async () => {
    const host = fakeHost('dokku@one', 'at-switch api 1000\n', 'switched api 1000 2000\n', {ready: false})
    host.arrive()
    const result = await switchTogether({id: 'g1', hosts: [{host: host.host, apps: ['api']}], waitMs: 1000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    expect(host.sent).toEqual([
      ['graduate:await-switch', 'g1', '60', '--then-switch', 'api'],
      ['graduate:switch', 'g1', 'api'],
    ])
    expect(result[0]).toEqual({host: 'dokku@one', together: ['api'], alone: [], at: new Date(2000).toISOString()})
  })

  it('sends graduate:switch when the connection dropped after ready, before the switch was said', async () => {
    const sent: string[][] = []
    const host = {
      label: 'dokku@flaky',
      send: async (command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> => {
        sent.push([...command.argv])
        if (command.argv[0] === 'graduate:switch') return {exitCode: 0, signal: null, stdout: 'switched api 1000 2000\n', stderr: '', durationMs: 1}
        options.onStdout?.('at-switch api 1000\nready\n')
        await options.laterStdin
        return {exitCode: null, signal: null, stdout: 'at-switch api 1000\nready\n', stderr: '', durationMs: 1}
      },
    }
    const result = await switchTogether({id: 'g1', hosts: [{host: host as unknown as DokkuHost, apps: ['api']}], waitMs: 1000, deadline: Date.now() + 60_000, commandMs: 1000, nameOf})
    expect(sent.at(-1)).toEqual(['graduate:switch', 'g1', 'api'])
    expect(result[0]!.together).toEqual(['api'])
  })
})
