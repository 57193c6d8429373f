import {Duplex} from 'node:stream'
import type net from 'node:net'

/**
 * A one-way network delay, in the manner of `tc netem delay`: whatever is sent now arrives `delayMs`
 * later, in order. One timer per direction, armed for the oldest item in flight — nothing polls, so a
 * slow link costs no CPU while it waits. The delay is read for each item, so it can change while
 * connections are open (items already in flight keep their arrival time, and nothing overtakes them).
 */
export class DelayLine {
  private readonly queue: Array<{at: number; deliver: () => void}> = []
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly delayMs: () => number) {}

  send(deliver: () => void): void {
    const delay = this.delayMs()
    if (delay <= 0 && this.queue.length === 0) {
      deliver()
      return
    }
    const at = Math.max(performance.now() + Math.max(0, delay), this.queue.at(-1)?.at ?? 0)
    this.queue.push({at, deliver})
    if (this.timer === undefined) this.arm()
  }

  /** Drops everything still in flight (the link is gone). */
  clear(): void {
    this.queue.length = 0
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    const head = this.queue[0]
    if (head === undefined) {
      this.timer = undefined
      return
    }
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil(head.at - performance.now())))
  }

  private flush(): void {
    // A timer may fire a fraction of a millisecond early; what is due within it goes now.
    const now = performance.now() + 0.5
    while (this.queue.length > 0 && this.queue[0]!.at <= now) this.queue.shift()!.deliver()
    this.arm()
  }
}

/**
 * The server's end of a TCP connection seen through a slow link: bytes from the client reach the SSH
 * server `delayMs()` after they arrived, and bytes the server writes leave `delayMs()` later — so every
 * SSH packet (key exchange, channel open, data, exit status, close) pays a round trip of twice the delay,
 * as over a WAN. The end of the stream travels the same way, behind the data. Bandwidth is not limited.
 */
export class SlowLinkSocket extends Duplex {
  private readonly inbound: DelayLine
  private readonly outbound: DelayLine

  constructor(
    private readonly socket: net.Socket,
    delayMs: () => number,
  ) {
    super({allowHalfOpen: true})
    this.inbound = new DelayLine(delayMs)
    this.outbound = new DelayLine(delayMs)
    socket.on('data', (chunk: Buffer) => this.inbound.send(() => this.deliver(chunk)))
    socket.on('end', () => this.inbound.send(() => this.push(null)))
    // The connection itself failing (reset, destroyed by the host going down) reaches the server late too.
    socket.on('close', () => this.inbound.send(() => this.destroy()))
    socket.on('error', () => {})
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort
  }

  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay)
    return this
  }

  private deliver(chunk: Buffer): void {
    if (this.destroyed) return
    if (!this.push(chunk)) this.socket.pause()
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.outbound.send(() => {
      if (!this.socket.destroyed) this.socket.write(chunk)
    })
    done()
  }

  override _final(done: (error?: Error | null) => void): void {
    this.outbound.send(() => this.socket.end())
    done()
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.inbound.clear()
    // Both ends finished: the last bytes and the end are still on their way out and must arrive. Anything
    // else (an abrupt destroy, an error) cuts the link at once, with whatever was in flight.
    if (error !== null || !this.writableFinished) {
      this.outbound.clear()
      this.socket.destroy()
    }
    done(error)
  }
}
