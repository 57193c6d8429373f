import type {NodeSSH} from 'node-ssh'
import type {Client} from 'ssh2'
import {abortable} from '../abortable.js'
import {CommandTimeoutError, ConnectionError} from '../errors.js'
import type {BridgeTarget, GitBridge} from './git-bridge.js'
import type {RecordedHostKey} from './host-key-check.js'
import {recordExit, runChannel, type OpenedChannel} from './run-channel.js'
import type {ConnectionSettings} from './settings.js'
import type {ExecOptions, ExecResult, GitOptions, HostConnection} from './transport.js'

/** One SSH connection to the host, and how many of its channels are spoken for. */
interface Lane {
  readonly ready: Promise<Client>
  ssh: NodeSSH | undefined
  /** Channels opened or about to be; freed only when ssh2 reports the channel closed on both sides. */
  reserved: number
}

/**
 * Every command to one host goes through here. Commands share one connection; sshd refuses more than
 * MaxSessions channels on a connection, so once `maxSessions` are in use another connection is opened
 * (held git pushes occupy a channel for minutes), up to `maxConnections`, after which commands queue.
 * A connection that drops is discarded and the next command opens a fresh one.
 */
export class HostPool implements HostConnection {
  readonly label: string
  private readonly lanes: Lane[] = []
  private readonly waiters = new Set<() => void>()
  private readonly closing = new AbortController()
  private readonly bridgeTarget: BridgeTarget

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly open: (signal: AbortSignal) => Promise<NodeSSH>,
    private readonly bridge: GitBridge,
    private readonly onClose: () => void,
    /** Host keys accepted as new and written to known_hosts by this pool's connections. */
    readonly recordedHostKeys: readonly RecordedHostKey[] = [],
  ) {
    this.label = settings.label
    this.bridgeTarget = {
      label: settings.label,
      user: settings.user,
      host: settings.host,
      port: settings.port,
      openChannel: (command, options) => this.openChannel(command, options),
    }
  }

  /** Opens the first connection, so a host that cannot be reached fails here rather than at its first command. */
  async start(signal: AbortSignal): Promise<void> {
    await abortable(this.addLane().ready, signal)
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = performance.now()
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs)
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal
    try {
      const channel = await this.openChannel(command, {signal, displayCommand: options.displayCommand})
      const outcome = await runChannel(channel, {
        signal,
        ...(options.stdin === undefined ? {} : {stdin: options.stdin}),
        ...(options.laterStdin === undefined ? {} : {laterStdin: options.laterStdin}),
        ...(options.onStdout ? {onStdout: options.onStdout} : {}),
        ...(options.onStderr ? {onStderr: options.onStderr} : {}),
      })
      return {...outcome, durationMs: performance.now() - started}
    } catch (error) {
      if (deadline.signal.aborted && !options.signal?.aborted) {
        throw new CommandTimeoutError({host: this.label, command: options.displayCommand ?? command, timeoutMs: options.timeoutMs})
      }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  git(args: string[], options: GitOptions): Promise<ExecResult> {
    return this.bridge.run(this.bridgeTarget, args, options)
  }

  async close(): Promise<void> {
    this.onClose()
    this.closing.abort(this.closedError())
    this.wakeAll()
    const lanes = this.lanes.splice(0)
    await Promise.all(lanes.map((lane) => lane.ready.then(() => endConnection(lane), () => {})))
  }

  /** A channel running `command`, counted against the connection's session limit until it closes. */
  private async openChannel(
    command: string,
    options: {env?: Record<string, string>; signal: AbortSignal; displayCommand?: string | undefined},
  ): Promise<OpenedChannel> {
    const {lane, client} = await this.reserveChannel(options.signal)
    try {
      const opened = await startExec(client, command, options.env)
      opened.channel.once('close', () => this.release(lane))
      return opened
    } catch (error) {
      this.release(lane)
      const name = `\`${options.displayCommand ?? command}\``
      if (!this.lanes.includes(lane)) {
        throw new ConnectionError(this.label, `the connection dropped while starting ${name}; whether it ran on the host is unknown`, {
          code: 'connection_lost',
          hint: 'check the network to the host; the next command opens a fresh connection',
          cause: error,
        })
      }
      throw new ConnectionError(this.label, `could not start ${name}: ${(error as Error).message}`, {
        code: 'channel_refused',
        hint: `the host's sshd refused a new session: its MaxSessions may be below graduate's ${this.settings.maxSessions} per connection`,
        cause: error,
      })
    }
  }

  private async reserveChannel(signal: AbortSignal): Promise<{lane: Lane; client: Client}> {
    for (;;) {
      if (this.closing.signal.aborted) throw this.closedError()
      signal.throwIfAborted()
      const lane =
        this.lanes.find((candidate) => candidate.reserved < this.settings.maxSessions) ??
        (this.lanes.length < this.settings.maxConnections ? this.addLane() : undefined)
      if (lane) {
        lane.reserved++
        try {
          return {lane, client: await abortable(lane.ready, signal)}
        } catch (error) {
          this.release(lane)
          throw error
        }
      }
      await this.channelFreed(signal)
    }
  }

  private addLane(): Lane {
    const lane: Lane = {
      ssh: undefined,
      reserved: 0,
      ready: this.open(this.closing.signal).then((ssh) => {
        const client = ssh.connection
        if (!client) throw new ConnectionError(this.label, 'the connection closed as soon as it opened', {code: 'connection_lost'})
        lane.ssh = ssh
        // Failures after connecting (keepalive timeout, reset) end in 'close', which is what counts here.
        client.on('error', () => {})
        client.once('close', () => this.retire(lane))
        return client
      }),
    }
    lane.ready.catch(() => this.retire(lane))
    this.lanes.push(lane)
    return lane
  }

  /**
   * A connection that failed or dropped takes no new channels (its open channels close on their own).
   * Everyone waiting may now open a replacement, so all of them look again.
   */
  private retire(lane: Lane): void {
    const index = this.lanes.indexOf(lane)
    if (index !== -1) this.lanes.splice(index, 1)
    this.wakeAll()
  }

  private release(lane: Lane): void {
    lane.reserved--
    this.wakeOne()
  }

  private wakeOne(): void {
    const [wake] = this.waiters
    if (wake) {
      this.waiters.delete(wake)
      wake()
    }
  }

  private wakeAll(): void {
    const waiters = [...this.waiters]
    this.waiters.clear()
    for (const wake of waiters) wake()
  }

  private channelFreed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        this.waiters.delete(wake)
        reject(signal.reason)
      }
      this.waiters.add(wake)
      signal.addEventListener('abort', onAbort, {once: true})
    })
  }

  private closedError(): ConnectionError {
    return new ConnectionError(this.label, 'the connection was closed', {code: 'connection_closed', hint: 'graduate closed this connection before the command ran; if this was not during shutdown, report it as a bug'})
  }
}

function startExec(client: Client, command: string, env: Record<string, string> | undefined): Promise<OpenedChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, env ? {env} : {}, (error, channel) => (error ? reject(error) : resolve(recordExit(channel))))
    } catch (error) {
      // ssh2 throws rather than calls back when the socket is already gone.
      reject(error)
    }
  })
}

function endConnection(lane: Lane): Promise<void> {
  const client = lane.ssh?.connection
  // node-ssh forgets the client once it has ended; then there is nothing left to wait for.
  if (!client) return Promise.resolve()
  return new Promise((resolve) => {
    client.once('close', () => resolve())
    client.end()
  })
}
