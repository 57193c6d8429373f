import {randomBytes} from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {CommandTimeoutError, PreflightError} from '../errors.js'
import {
  bridgeSocketEnv,
  bridgeTokenEnv,
  encodeFrame,
  FrameDecoder,
  FrameType,
  type BridgeExit,
  type BridgeHello,
  type Frame,
} from './bridge-frames.js'
import {runLocalGit} from './local-git.js'
import {type OpenedChannel, whenDrained} from './run-channel.js'
import {singleQuoted} from '../remote/words.js'
import type {ExecResult, GitOptions} from './transport.js'

/** The connection a git invocation is bound to. */
export interface BridgeTarget {
  label: string
  user: string
  host: string
  port: number
  /** A channel running `command` on the pooled connection; `signal` gives up waiting for one. */
  openChannel(command: string, options: {env?: Record<string, string>; signal: AbortSignal}): Promise<OpenedChannel>
}

/** The git URL of a Dokku app on a host, in the form the bridge accepts for that host. */
export function gitRemoteUrl(target: {user: string; host: string; port: number}, app: string): string {
  if (target.port === 22) return `${target.user}@${target.host}:${app}`
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  return `ssh://${target.user}@${host}:${target.port}/${app}`
}

interface Invocation {
  target: BridgeTarget
  /** Aborted when git has finished, timed out or been aborted. */
  ended: AbortSignal
  /** The SSH connection dropped while the remote command ran: its outcome on the host is unknown. */
  connectionLost: boolean
}

interface Listening {
  dir: string
  socketPath: string
  server: net.Server
}

// Only what git's transport asks for: the helper must not become a general remote shell.
const gitServiceCommand = /^git-(receive|upload)-pack '[^']*'$/

/**
 * Lets local `git push`/`git fetch` ride the pooled, verified SSH connections. git runs with
 * GIT_SSH_COMMAND pointing at git-ssh-helper, which comes back here over a Unix socket in a private
 * directory (0700, removed on close). Each git invocation gets a random token, so a helper reaches only
 * the connection its own git was started for.
 */
export class GitBridge {
  private listening: Promise<Listening> | undefined
  private readonly invocations = new Map<string, Invocation>()
  private readonly helpers = new Set<net.Socket>()

  constructor(private readonly helperPath: string) {}

  /** Where the socket is, once the bridge has started. */
  async socketPath(): Promise<string | undefined> {
    return (await this.listening)?.socketPath
  }

  async run(target: BridgeTarget, args: string[], options: GitOptions): Promise<ExecResult> {
    options.signal?.throwIfAborted()
    const started = performance.now()
    this.listening ??= this.listen(target)
    const {socketPath} = await this.listening
    const token = randomBytes(24).toString('hex')
    const ended = new AbortController()
    const invocation: Invocation = {target, ended: ended.signal, connectionLost: false}
    this.invocations.set(token, invocation)
    try {
      const outcome = await runLocalGit(args, {
        ...options,
        env: {
          GIT_SSH_COMMAND: `${singleQuoted(process.execPath)} ${singleQuoted(this.helperPath)}`,
          GIT_SSH_VARIANT: 'ssh',
          GIT_TERMINAL_PROMPT: '0',
          // The helper speaks only to this process over a Unix socket, never TLS; with extra CA
          // certificates named, every Node start parses them all (about 40 ms of CPU), once per git.
          NODE_EXTRA_CA_CERTS: undefined,
          [bridgeSocketEnv]: socketPath,
          [bridgeTokenEnv]: token,
        },
        timeoutError: () => new CommandTimeoutError({host: target.label, command: `git ${args.join(' ')}`, timeoutMs: options.timeoutMs}),
      })
      // git exits 128 when its remote vanishes, but the command on the host may well go on (a Dokku
      // deploy outlives its client): say so as exec does, with no exit status.
      if (invocation.connectionLost) return {...outcome, exitCode: null, signal: null, durationMs: performance.now() - started}
      return {...outcome, durationMs: performance.now() - started}
    } finally {
      this.invocations.delete(token)
      ended.abort()
    }
  }

  async close(): Promise<void> {
    const listening = await this.listening?.catch(() => undefined)
    this.listening = undefined
    if (!listening) return
    const closed = new Promise<void>((resolve) => listening.server.close(() => resolve()))
    // A git still running when graduate shuts down loses its remote, as it would if ssh died.
    for (const helper of this.helpers) helper.destroy()
    await closed
    await fs.rm(listening.dir, {recursive: true, force: true})
  }

  private async listen(target: BridgeTarget): Promise<Listening> {
    try {
      await fs.access(this.helperPath)
    } catch {
      throw new PreflightError(`${target.label}: graduate's git SSH helper is missing (${this.helperPath})`, 'reinstall graduate, or run `npm run build` in a checkout')
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graduate-git-'))
    await fs.chmod(dir, 0o700)
    const socketPath = path.join(dir, 'bridge.sock')
    const server = net.createServer((socket) => this.serve(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(socketPath, () => {
        server.off('error', reject)
        resolve()
      })
    })
    return {dir, socketPath, server}
  }

  /** One helper process: a hello naming its invocation and remote command, then stdin one way and output the other. */
  private serve(socket: net.Socket): void {
    const decoder = new FrameDecoder()
    const early: Frame[] = []
    let channel: OpenedChannel['channel'] | undefined
    let greeted = false
    let finished = false

    const finish = (exit: BridgeExit, message?: string) => {
      if (finished || socket.destroyed) return
      finished = true
      if (message) socket.write(encodeFrame(FrameType.Stderr, `graduate: ${message}\n`))
      socket.end(encodeFrame(FrameType.Exit, JSON.stringify(exit)))
    }
    const toChannel = (frame: Frame) => {
      if (!channel) early.push(frame)
      else if (frame.type === FrameType.StdinEnd) channel.end()
      else if (!channel.write(frame.payload)) {
        // The host reads slower than git writes the pack: stop reading the helper until it catches up.
        socket.pause()
        channel.once('drain', () => socket.resume())
      }
    }
    const greet = (frame: Frame) => {
      const accepted = this.accept(frame)
      if (typeof accepted === 'string') {
        finish({code: 255}, accepted)
        return
      }
      socket.pause()
      accepted.channel.then(
        (opened) => {
          channel = opened.channel
          if (socket.destroyed) {
            opened.channel.close()
            return
          }
          relayOutput(opened, socket, finish, () => (accepted.invocation.connectionLost = true))
          socket.resume()
          for (const frame of early.splice(0)) toChannel(frame)
        },
        (error: unknown) => finish({code: 255}, (error as Error).message),
      )
    }

    this.helpers.add(socket)
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.helpers.delete(socket))
    // git exited or was killed: nobody is left to read the remote, so stop it.
    socket.on('close', () => channel?.close())
    socket.on('data', (chunk) => {
      let frames
      try {
        frames = decoder.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const frame of frames) {
        if (!greeted) {
          greeted = true
          greet(frame)
        } else if (frame.type === FrameType.Stdin || frame.type === FrameType.StdinEnd) {
          toChannel(frame)
        }
      }
    })
  }

  /** Checks the hello and opens the channel it asks for; a string is the reason it was refused. */
  private accept(frame: Frame): {channel: Promise<OpenedChannel>; invocation: Invocation} | string {
    if (frame.type !== FrameType.Hello) return 'the git SSH helper did not introduce itself'
    let hello: BridgeHello
    try {
      hello = JSON.parse(frame.payload.toString()) as BridgeHello
    } catch {
      return 'the git SSH helper sent an unreadable hello'
    }
    const invocation = typeof hello.token === 'string' ? this.invocations.get(hello.token) : undefined
    if (!invocation) return 'this git process was not started by graduate, or has already finished'
    const request = parseSshArguments(hello.argv)
    if (!request) return `unexpected ssh arguments from git: ${JSON.stringify(hello.argv)}`
    const {target, ended} = invocation
    const sameHost = request.host.toLowerCase() === target.host.toLowerCase() && request.port === target.port
    if (!sameHost || (request.user !== undefined && request.user !== target.user)) {
      return (
        `the git remote points at ${request.user ?? target.user}@${request.host}:${request.port}, ` +
        `but this git runs over the connection to ${target.label}; build the URL with gitRemoteUrl()`
      )
    }
    if (!gitServiceCommand.test(request.command)) return `refusing to relay \`${request.command}\`: only git-receive-pack and git-upload-pack are bridged`
    return {invocation, channel: target.openChannel(request.command, {signal: ended, ...(hello.gitProtocol ? {env: {GIT_PROTOCOL: hello.gitProtocol}} : {})})}
  }
}

/** Remote stdout and stderr go to the helper as they come; the exit status once the channel is fully drained. */
function relayOutput({channel, exit}: OpenedChannel, socket: net.Socket, finish: (exit: BridgeExit, message?: string) => void, onLost: () => void): void {
  const forward = (type: FrameType, source: NodeJS.ReadableStream) => (chunk: Buffer) => {
    if (!socket.write(encodeFrame(type, chunk))) {
      source.pause()
      socket.once('drain', () => source.resume())
    }
  }
  channel.on('data', forward(FrameType.Stdout, channel))
  channel.stderr.on('data', forward(FrameType.Stderr, channel.stderr))
  whenDrained(channel, () => {
    if (exit.code !== null) finish({code: exit.code})
    else if (exit.signal !== null) finish({code: 255}, `the remote command was killed by ${exit.signal}`)
    else {
      // Only while git is still there to hear it: a channel we closed because git went away was not lost.
      if (!socket.destroyed) onLost()
      finish({code: 255}, 'the SSH connection was lost before the remote command finished')
    }
  })
}

/** git's ssh command line (GIT_SSH_VARIANT=ssh): `[-4|-6] [-o option] [-p port] [user@]host command`. */
function parseSshArguments(argv: unknown): {user: string | undefined; host: string; port: number; command: string} | undefined {
  if (!Array.isArray(argv) || !argv.every((arg) => typeof arg === 'string')) return undefined
  const args = argv as string[]
  let port = 22
  let index = 0
  while (args[index]?.startsWith('-')) {
    const option = args[index++]
    if (option === '-p') port = Number(args[index++])
    else if (option === '-o') index++
    else if (option !== '-4' && option !== '-6') return undefined
  }
  const destination = args[index++]
  const command = args.slice(index).join(' ')
  if (!destination || !command || !Number.isInteger(port)) return undefined
  const at = destination.lastIndexOf('@')
  return {user: at === -1 ? undefined : destination.slice(0, at), host: destination.slice(at + 1), port, command}
}
