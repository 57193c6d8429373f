import crypto from 'node:crypto'
import net from 'node:net'
import {Readable, Writable} from 'node:stream'
import {hostPaths, hostPathsFromEnv} from '../host/paths.js'
import type {CoreContext} from './context.js'
import {CORE_COMMANDS, NOT_IMPLEMENTED} from './commands.js'
import {CommandExit, DokkuFailure, Output} from './io.js'
import {CommandSession, runInSession} from './session.js'
import {runDockerShim} from '../docker-shim.js'

/**
 * The core server: every simulated host's Dokku core commands and docker shim verbs, run inside the
 * long-lived simulator process instead of a fresh Node process per command. The hosts' `dokku` and
 * `docker` reach it through the cheap client (client/sim-client.c) over an abstract unix socket
 * (no file, no path-length limit). One connection is one command; see the client for the frames.
 *
 * Each command gets what its process used to have: argv, environment, cwd and login as the client
 * sent them, its own stdout/stderr/stdin, hangup flag and children ({@link CommandSession}).
 */
export class CoreServer {
  readonly socketName = `graduate-sim-${process.pid}-${crypto.randomBytes(6).toString('hex')}`
  private readonly server = net.createServer((socket) => this.accept(socket))
  private readonly sessions = new Set<{session: CommandSession; stdin: Readable; socket: net.Socket}>()

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(`\0${this.socketName}`, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    return this
  }

  /** Commands running now (for tests). */
  get inFlight(): number {
    return this.sessions.size
  }

  /** Ends every in-flight command as if its process group were killed, and stops listening. */
  async stop(): Promise<void> {
    for (const {session, socket} of this.sessions) {
      session.kill()
      socket.destroy()
    }
    this.sessions.clear()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {})
    let pending: Buffer = Buffer.alloc(0)
    let command: {session: CommandSession; stdin: Readable; socket: net.Socket} | undefined
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 5) {
        const length = pending.readUInt32BE(1)
        if (pending.length < 5 + length) break
        const type = String.fromCharCode(pending[0]!)
        const body = pending.subarray(5, 5 + length)
        pending = pending.subarray(5 + length)
        if (type === 'H' && !command) command = this.begin(socket, body)
        else if (type === 'I') command?.stdin.push(Buffer.from(body))
        else if (type === 'E') command?.stdin.push(null)
        else if (type === 'U') command?.session.hangUp()
      }
    })
    // The client is gone before the command ended: its process group was killed (or it crashed).
    socket.on('close', () => {
      if (!command) return
      this.sessions.delete(command)
      command.stdin.push(null)
      command.session.kill()
    })
  }

  private begin(socket: net.Socket, header: Buffer): {session: CommandSession; stdin: Readable; socket: net.Socket} {
    const fields = header.toString('utf8').split('\0')
    if (fields.at(-1) === '') fields.pop()
    const pid = Number(fields[0])
    const cwd = fields[1] ?? '/'
    const kind = fields[2] ?? ''
    const argc = Number(fields[3])
    const argv = fields.slice(4, 4 + argc)
    const env: NodeJS.ProcessEnv = {}
    for (const pair of fields.slice(4 + argc)) {
      const separator = pair.indexOf('=')
      if (separator > 0) env[pair.slice(0, separator)] = pair.slice(separator + 1)
    }
    const session = new CommandSession(pid, env, cwd)

    // A command often prints many lines in one turn of the event loop: they leave in one write (and
    // wake the client once) at the end of the turn instead of one system call each.
    let corked = false
    const send = (type: string, payload: Buffer) => {
      if (socket.destroyed) return
      if (!corked) {
        corked = true
        socket.cork()
        process.nextTick(() => {
          corked = false
          socket.uncork()
        })
      }
      const head = Buffer.alloc(5)
      head.write(type, 0, 'latin1')
      head.writeUInt32BE(payload.length, 1)
      socket.write(head)
      socket.write(payload)
    }
    const stream = (type: string) =>
      new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          if (!session.killed) send(type, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
          callback()
        },
      })
    let asked = false
    // stdin only on demand: a process that never reads its stdin leaves it to whoever reads next
    // (a plugin's `while read …; do dokku …; done`), so the client forwards nothing until asked.
    const stdin = new Readable({
      read() {
        if (asked) return
        asked = true
        send('W', Buffer.alloc(0))
      },
    })
    stdin.on('error', () => {})

    const finish = (code: number) => {
      if (session.killed) return
      session.done = true
      this.sessions.delete(entry)
      const body = Buffer.alloc(4)
      body.writeInt32BE(code)
      send('X', body)
      socket.end()
    }
    const entry = {session, stdin, socket}
    this.sessions.add(entry)
    runInSession(session, () => {
      void this.run(session, kind, argv, cwd, stream('O'), stream('R'), stdin).then(finish)
    })
    return entry
  }

  private async run(session: CommandSession, kind: string, argv: string[], cwd: string, stdout: Writable, stderr: Writable, stdin: Readable): Promise<number> {
    const quiet = session.env['DOKKU_QUIET_OUTPUT'] === '1'
    const out = new Output(stdout, stderr, {quiet})
    try {
      if (kind === 'docker') {
        const [hostDir, ...args] = argv
        return runDockerShim(hostPaths(hostDir!), args, out)
      }
      if (kind !== 'core') throw new Error(`unknown client kind ${kind}`)
      const load = CORE_COMMANDS[argv[0] ?? '']
      if (!load) return NOT_IMPLEMENTED
      const command = await load()
      const env = session.env
      const login = env['SIM_SSH_LOGIN'] === 'root' ? 'root' : 'dokku'
      delete env['SIM_SSH_LOGIN']
      const ctx: CoreContext = {paths: hostPathsFromEnv(env), out, env, login, stdin, quiet, cwd, session}
      return await command(ctx, argv)
    } catch (error) {
      if (error instanceof DokkuFailure) {
        out.warn(error.message)
        return error.exitCode
      }
      if (error instanceof CommandExit) return error.exitCode
      out.warn(`simulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return 1
    }
  }
}
