import net from 'node:net'
import {spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'
import ssh2 from 'ssh2'
import type {HostPaths} from '../host/paths.js'
import {cleanEnv} from '../host/provision.js'
import type {FaultRegistry} from '../faults.js'
import {SlowLinkSocket} from './slow-link.js'

const {Server, utils} = ssh2

/** OpenSSH's default MaxSessions: more session channels than this on one connection are refused. */
export const MAX_SESSIONS = 10

export interface SshHostOptions {
  name: string
  paths: HostPaths
  /** OpenSSH-format private host key. */
  hostKey: string
  /** OpenSSH-format public keys (one line each) allowed to log in as `dokku` (and `root`). */
  authorizedKeys: string[]
  faults: FaultRegistry
  /** Reuse this port (a host brought back up keeps its address). */
  port?: number
  /** One-way delay of the link to this host, in ms: a round trip costs twice this (default 0, loopback). */
  linkDelayMs?: number
}

/**
 * One simulated host's sshd. `dokku` logins get sshcommand's forced command: the host's `dokku`
 * runs with SSH_ORIGINAL_COMMAND, word-split (and globbed) by bash first, exactly as sshd hands the
 * authorized_keys command to the user's shell (contract §2.4). `root` logins get a shell whose
 * PATH finds the host's `dokku` and whose TMPDIR is the host's own tmp/, so `mktemp` there stays
 * inside the host. Every exec ends with an exit status. Counts open session channels
 * to enforce MaxSessions, and honours the fault registry.
 */
export class SimSshHost {
  readonly name: string
  port = 0
  /** Session channels open right now on each connection; the highest count ever seen per connection. */
  readonly sessionStats = {open: 0, peakPerConnection: 0, connectionsAccepted: 0, execs: 0}
  private readonly listener: net.Server
  private readonly ssh: InstanceType<typeof Server>
  private readonly sockets = new Set<net.Socket>()
  /** Sessions' process groups still running (stop() ends them; down() does not). */
  private readonly sessionGroups = new Set<number>()
  private readonly allowedKeys: ssh2.ParsedKey[]
  private listening = false
  private wantListening = true
  private linkDelayMs: number

  constructor(private readonly options: SshHostOptions) {
    this.name = options.name
    this.linkDelayMs = options.linkDelayMs ?? 0
    this.allowedKeys = options.authorizedKeys.map((line) => {
      const parsed = utils.parseKey(line)
      const key = Array.isArray(parsed) ? parsed[0] : parsed
      if (!key || key instanceof Error) throw new Error(`simulator: cannot parse authorized key: ${line}`)
      return key
    })
    this.ssh = new Server({hostKeys: [options.hostKey]}, (client) => this.handleClient(client))
    this.listener = net.createServer((socket) => this.handleSocket(socket))
    options.faults.onConnectionFaultsChanged = chain(options.faults.onConnectionFaultsChanged, () => void this.syncListening())
  }

  /**
   * Puts the host behind a slow link: every byte each way, on open connections too, arrives `ms` later
   * (timers, no busy waiting). 0 is loopback again.
   */
  setLinkDelay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`simulator: a link delay is a number of milliseconds from 0, got ${ms}`)
    this.linkDelayMs = ms
  }

  async start(): Promise<number> {
    await this.listen(this.options.port ?? 0)
    return this.port
  }

  /** The host drops off the network: no new connections (ECONNREFUSED), existing ones cut. Processes on it keep running. */
  async down(): Promise<void> {
    this.wantListening = false
    for (const socket of this.sockets) socket.destroy()
    await this.syncListening()
  }

  async up(): Promise<void> {
    this.wantListening = true
    await this.syncListening()
  }

  async stop(): Promise<void> {
    this.wantListening = false
    for (const socket of this.sockets) socket.destroy()
    // The simulator stops: whatever the sessions still run (plugin subcommands, dokku clients) ends
    // with it, so no test leaves a process behind. Commands running in the core server end in its stop().
    for (const group of this.sessionGroups) {
      try {
        process.kill(-group, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    this.sessionGroups.clear()
    await this.syncListening()
  }

  private async syncListening(): Promise<void> {
    const shouldListen = this.wantListening && !this.options.faults.hasConnectionFault(this.name, 'refuse')
    if (shouldListen && !this.listening) await this.listen(this.port)
    if (!shouldListen && this.listening) {
      this.listening = false
      // close() stops accepting at once; its callback would wait for every open connection to end.
      this.listener.close()
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject)
      this.listener.listen(port, '127.0.0.1', () => {
        this.listener.off('error', reject)
        this.listening = true
        this.port = (this.listener.address() as net.AddressInfo).port
        resolve()
      })
    })
  }

  private handleSocket(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    if (this.options.faults.hasConnectionFault(this.name, 'hang-handshake', true)) return
    this.sessionStats.connectionsAccepted++
    // Every connection goes through the link, so the delay can be set on a host whose clients are connected.
    this.ssh.injectSocket(new SlowLinkSocket(socket, () => this.linkDelayMs) as unknown as net.Socket)
  }

  private handleClient(client: ssh2.Connection): void {
    let login: 'dokku' | 'root' = 'dokku'
    let openSessions = 0
    client.on('error', () => {})
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || (ctx.username !== 'dokku' && ctx.username !== 'root')) return ctx.reject(['publickey'])
      if (this.options.faults.hasConnectionFault(this.name, 'reject-auth', Boolean(ctx.signature))) return ctx.reject(['publickey'])
      const key = this.allowedKeys.find((candidate) => candidate.type === ctx.key.algo && candidate.getPublicSSH().equals(ctx.key.data))
      if (!key) return ctx.reject(['publickey'])
      if (ctx.signature && key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey'])
      login = ctx.username
      ctx.accept()
    })
    client.on('ready', () => {
      client.on('session', (accept, reject) => {
        if (openSessions >= MAX_SESSIONS) return reject()
        const session = accept()
        openSessions++
        this.sessionStats.open++
        this.sessionStats.peakPerConnection = Math.max(this.sessionStats.peakPerConnection, openSessions)
        let closed = false
        const release = () => {
          if (closed) return
          closed = true
          openSessions--
          this.sessionStats.open--
        }
        session.on('close', release)
        session.on('exec', (acceptExec, _rejectExec, info) => {
          const channel = acceptExec()
          channel.on('close', release)
          this.sessionStats.execs++
          void this.exec(client, channel, login, info.command)
        })
      })
    })
  }

  private async exec(client: ssh2.Connection, channel: ssh2.ServerChannel, login: 'dokku' | 'root', command: string): Promise<void> {
    const fault = this.options.faults.takeCommandFault(this.name, login, command)
    if (fault?.kind === 'hang') return
    if (fault?.kind === 'exit') {
      if (fault.stdout) channel.write(fault.stdout)
      if (fault.stderr) channel.stderr.write(fault.stderr)
      channel.exit(fault.code)
      channel.end()
      return
    }
    if (fault?.kind === 'delay') await sleep(fault.ms)

    const {paths} = this.options
    const dokku = `${paths.binDir}/dokku`
    const [file, args] = login === 'dokku' ? forcedCommand(dokku, command) : ['bash', ['-c', command]]
    const child = spawn(file, args, {
      cwd: paths.dokkuRoot,
      env: {
        ...cleanEnv(),
        PATH: `${paths.binDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
        HOME: paths.dokkuRoot,
        USER: login,
        // sshd sets SSH_ORIGINAL_COMMAND only for a forced command: the dokku login's. A root shell's
        // `dokku` must not re-parse the whole shell line as Dokku's SSH command.
        ...(login === 'dokku' ? {SSH_ORIGINAL_COMMAND: command} : {TMPDIR: paths.tmpDir}),
        SIM_SSH_LOGIN: login,
        NAME: 'graduate-client',
        FINGERPRINT: 'SHA256:simulated',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, like an sshd session, so a disconnect can signal the whole session.
      detached: true,
    })
    const group = child.pid
    if (group !== undefined) {
      this.sessionGroups.add(group)
      child.on('exit', () => this.sessionGroups.delete(group))
    }
    let outputBytes = 0
    let connectionDropped = false
    const dropConnection = () => {
      if (connectionDropped) return
      connectionDropped = true
      // Abrupt, like a network failure: no SSH disconnect message reaches the client.
      ;(client as unknown as {_sock: net.Socket})._sock.destroy()
    }
    if (fault?.kind === 'drop' && fault.afterOutputBytes === undefined) setTimeout(dropConnection, fault.afterMs ?? 0)
    const forward = (chunk: Buffer, toStderr: boolean) => {
      outputBytes += chunk.length
      if (!channelOpen) return
      if (toStderr) channel.stderr.write(chunk)
      else channel.write(chunk)
      if (fault?.kind === 'drop' && fault.afterOutputBytes !== undefined && outputBytes >= fault.afterOutputBytes) dropConnection()
    }
    let channelOpen = true
    channel.on('close', () => {
      channelOpen = false
      // The client is gone. On the real host git receive-pack and the pre-receive hook exited while the
      // deploy they started carried on, re-parented, still waiting in the gate (dokku-observed.md §4): the
      // session's processes get SIGHUP and broken pipes, and Dokku's deploy survives both.
      child.stdin.destroy()
      child.stdout.destroy()
      child.stderr.destroy()
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGHUP')
        } catch {
          // the group is already gone
        }
      }
    })
    child.stdout.on('data', (chunk: Buffer) => forward(chunk, false))
    child.stderr.on('data', (chunk: Buffer) => forward(chunk, true))
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream.on('error', () => {})
    channel.on('data', (chunk: Buffer) => {
      if (!child.stdin.destroyed) child.stdin.write(chunk)
    })
    channel.on('end', () => child.stdin.end())
    // Only when bin/dokku is started directly, and has gone: what bash would have said.
    child.on('error', (error) => {
      if (!channelOpen) return
      channel.stderr.write(`bash: ${file}: ${error.message}\n`)
      channel.exit(127)
      channel.end()
      channelOpen = false
    })
    child.on('close', (code, signal) => {
      if (!channelOpen) return
      if (code === null) channel.exit(signal ?? 'KILL', false, '')
      else channel.exit(code)
      channel.end()
    })
  }
}

/**
 * The dokku login's forced command, `bin/dokku $SSH_ORIGINAL_COMMAND`, as the login shell runs it: the
 * unquoted expansion is split on blanks (quotes kept) and each word is globbed, then bash execs bin/dokku
 * in its own place. When the string holds nothing globbing could touch (no `*`, `?`, `[`, or backslash),
 * that is a plain split on blanks, and the sshd starts bin/dokku with those words itself — the same argv
 * and the same process, without a bash start-up. Anything else still goes through bash.
 */
export function forcedCommand(dokku: string, command: string): [string, string[]] {
  if (/[*?[\\]/.test(command)) return ['bash', ['-c', `${dokku} $SSH_ORIGINAL_COMMAND`]]
  return [dokku, command.split(/[ \t\n]+/).filter((word) => word !== '')]
}

function chain(first: () => void, second: () => void): () => void {
  return () => {
    first()
    second()
  }
}
