import {EventEmitter} from 'node:events'
import type net from 'node:net'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {DelayLine, SlowLinkSocket} from './ssh/slow-link.js'

/*
 * The simulator's slow link, on fake timers: what is sent arrives exactly the delay later, in order,
 * and the end of a stream travels behind its data.
 */

beforeEach(() => {
  vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'performance']})
})

afterEach(() => {
  vi.useRealTimers()
})

describe('DelayLine', () => {
  it('delivers each item the delay after it was sent, in the order sent', () => {
    const line = new DelayLine(() => 40)
    const arrived: string[] = []
    line.send(() => arrived.push('a'))
    vi.advanceTimersByTime(10)
    line.send(() => arrived.push('b'))
    vi.advanceTimersByTime(29)
    expect(arrived).toEqual([])
    vi.advanceTimersByTime(1)
    expect(arrived).toEqual(['a'])
    vi.advanceTimersByTime(9)
    expect(arrived).toEqual(['a'])
    vi.advanceTimersByTime(1)
    expect(arrived).toEqual(['a', 'b'])
  })

  it('lets nothing overtake when the delay shrinks while items are in flight', () => {
    let delay = 100
    const line = new DelayLine(() => delay)
    const arrived: string[] = []
    line.send(() => arrived.push('slow'))
    delay = 10
    line.send(() => arrived.push('fast'))
    vi.advanceTimersByTime(50)
    expect(arrived).toEqual([])
    vi.advanceTimersByTime(50)
    expect(arrived).toEqual(['slow', 'fast'])
  })

  it('delivers at once without a delay, and drops what is in flight when cleared', () => {
    let delay = 0
    const line = new DelayLine(() => delay)
    const arrived: string[] = []
    line.send(() => arrived.push('now'))
    expect(arrived).toEqual(['now'])
    delay = 20
    line.send(() => arrived.push('lost'))
    line.clear()
    vi.advanceTimersByTime(100)
    expect(arrived).toEqual(['now'])
    expect(vi.getTimerCount()).toBe(0)
  })
})

/** The parts of a net.Socket the slow link uses, recording what the far end would receive. */
class FakeSocket extends EventEmitter {
  written: string[] = []
  ended = false
  destroyed = false
  paused = false
  write(chunk: Buffer): boolean {
    this.written.push(chunk.toString())
    return true
  }
  end(): void {
    this.ended = true
  }
  destroy(): void {
    this.destroyed = true
  }
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
  }
  setNoDelay(): void {}
}

/** Lets the stream machinery's own ticks run (setImmediate is not faked). */
function streamTicks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

describe('SlowLinkSocket', () => {
  it('delays the bytes each way and the end of each stream behind them', async () => {
    const socket = new FakeSocket()
    const link = new SlowLinkSocket(socket as unknown as net.Socket, () => 40)
    const received: string[] = []
    let ended = false
    link.on('data', (chunk: Buffer) => received.push(chunk.toString()))
    link.on('end', () => (ended = true))

    socket.emit('data', Buffer.from('SSH-2.0-client\r\n'))
    socket.emit('end')
    link.write('SSH-2.0-server\r\n')
    link.end()
    await streamTicks()
    vi.advanceTimersByTime(39)
    await streamTicks()
    expect([received, ended, socket.written, socket.ended]).toEqual([[], false, [], false])
    vi.advanceTimersByTime(1)
    await streamTicks()
    expect([received, ended, socket.written, socket.ended]).toEqual([['SSH-2.0-client\r\n'], true, ['SSH-2.0-server\r\n'], true])
  })

  it('cuts the link at once when destroyed before it finished, dropping what was in flight', async () => {
    const socket = new FakeSocket()
    const link = new SlowLinkSocket(socket as unknown as net.Socket, () => 40)
    link.on('error', () => {})
    link.write('lost')
    link.destroy()
    await streamTicks()
    vi.advanceTimersByTime(100)
    expect(socket.written).toEqual([])
    expect(socket.destroyed).toBe(true)
  })
})
