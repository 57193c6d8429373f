import {spawn} from 'node:child_process'
import {EventEmitter} from 'node:events'
import path from 'node:path'
import ssh2, {type Connection, type ServerChannel} from 'ssh2'
import {generateKeyPair as generateWellFormedKeyPair} from '../../../simulator/keys.js'

/**
 * An in-process SSH server on 127.0.0.1, port 0 (ssh2's own test/common.js pattern), that speaks just
 * enough to test the transport: public-key auth against a list of keys, channel accounting per
 * connection, and a handful of commands a test can script.
 *
 * Commands: `echo <words>`; `fail <code> <message>` (message on stderr); `cat` (stdin back to stdout);
 * `hold` (prints `held`, then runs until releaseHolds()); `drop` (prints a line, then cuts the whole connection);
 * `split-utf8` (prints `✓ ok`, the ✓ split across two packets);
 * `git-receive-pack '<repo>'` / `git-upload-pack '<repo>'` (real git on `<reposDir>/<repo>`; the repo
 * `hold` never answers, like a deploy held by the gate; `drop` cuts the whole connection at once). Anything else exits 127.
 */
export interface TestSshServer {
  readonly port: number
  /** The host key as a known_hosts key field: `ssh-ed25519 AAAA...`. */
  readonly hostKeyLine: string
  readonly hostKeyBlob: Buffer
  /** Connections accepted at the TCP level, authenticated or not. */
  readonly connections: number
  /** Connections that authenticated. */
  readonly authenticated: number
  /** Session channels open now, over all connections. */
  openChannels(): number
  /** The most session channels ever open at once on any single connection. */
  readonly maxChannelsOnOneConnection: number
  /** Connections that ever had a channel open. */
  readonly connectionsWithChannels: number
  /** Every exec command received, in order. */
  readonly commands: string[]
  /** Resolves once `predicate` holds, re-checking after every server event. */
  waitFor(predicate: () => boolean, what: string): Promise<void>
  releaseHolds(code?: number): void
  close(): Promise<void>
}

export interface KeyPair {
  private: string
  /** `ssh-ed25519 AAAA...` */
  public: string
}

export function generateKeyPair(type: 'ed25519' | 'rsa' = 'ed25519'): KeyPair {
  return generateWellFormedKeyPair(type)
}

export function publicBlob(publicLine: string): Buffer {
  const [, base64] = publicLine.split(' ')
  return Buffer.from(base64 ?? '', 'base64')
}

export async function startSshServer(options: {
  hostKey: KeyPair
  /** Further host keys of other types, as a real sshd has. */
  extraHostKeys?: KeyPair[]
  authorizedKeys: KeyPair[]
  reposDir?: string
}): Promise<TestSshServer> {
  const changes = new EventEmitter()
  changes.setMaxListeners(0)
  const allowed = options.authorizedKeys.map((key) => publicBlob(key.public))
  const openByConnection = new Map<number, number>()
  const holds = new Set<(code: number) => void>()
  const clients = new Set<Connection>()
  const commands: string[] = []
  let connections = 0
  let authenticated = 0
  let maxChannelsOnOneConnection = 0
  let connectionsWithChannels = 0

  const changed = () => changes.emit('change')

  const hostKeys = [options.hostKey, ...(options.extraHostKeys ?? [])].map((key) => key.private)
  const server = new ssh2.Server({hostKeys}, (client) => {
    const id = ++connections
    clients.add(client)
    let everHadChannel = false
    changed()
    client.on('error', () => {})
    client.on('close', () => {
      clients.delete(client)
      openByConnection.delete(id)
      changed()
    })
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !allowed.some((blob) => blob.equals(ctx.key.data))) {
        ctx.reject(['publickey'])
        return
      }
      if (ctx.signature) {
        const key = ssh2.utils.parseKey(ctx.key.data)
        if (key instanceof Error || !ctx.blob || !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
          ctx.reject(['publickey'])
          return
        }
      }
      ctx.accept()
    })
    client.on('ready', () => {
      authenticated++
      changed()
      client.on('session', (accept) => {
        const session = accept()
        const open = (openByConnection.get(id) ?? 0) + 1
        openByConnection.set(id, open)
        maxChannelsOnOneConnection = Math.max(maxChannelsOnOneConnection, open)
        if (!everHadChannel) {
          everHadChannel = true
          connectionsWithChannels++
        }
        changed()
        session.once('close', () => {
          if (openByConnection.has(id)) openByConnection.set(id, (openByConnection.get(id) ?? 1) - 1)
          changed()
        })
        const env: Record<string, string> = {}
        session.on('env', (acceptEnv, _reject, info) => {
          env[info.key] = info.val
          acceptEnv?.()
        })
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command)
          changed()
          run(info.command, acceptExec(), env, client)
        })
      })
    })
  })

  const hold = (stream: ServerChannel, exit: (code: number) => void) => {
    holds.add(exit)
    stream.once('close', () => holds.delete(exit))
  }

  const run = (command: string, stream: ServerChannel, env: Record<string, string>, client: Connection) => {
    const [name, ...words] = command.split(' ')
    const exit = (code: number) => {
      stream.exit(code)
      stream.end()
    }
    switch (name) {
      case 'echo':
        stream.write(`${words.join(' ')}\n`)
        exit(0)
        return
      case 'fail':
        stream.stderr.write(`${words.slice(1).join(' ')}\n`)
        exit(Number(words[0]))
        return
      case 'cat':
        stream.pipe(stream, {end: false})
        stream.once('end', () => exit(0))
        return
      case 'hold':
        stream.write('held\n')
        hold(stream, exit)
        return
      case 'split-utf8': {
        const bytes = Buffer.from('✓ ok\n')
        stream.write(bytes.subarray(0, 1))
        stream.write(bytes.subarray(1))
        exit(0)
        return
      }
      case 'drop':
        stream.write('partial\n', () => client.end())
        return
      case 'git-receive-pack':
      case 'git-upload-pack': {
        const repo = /^'\/?([^']+)'$/.exec(words.join(' '))?.[1]
        if (repo === 'hold') {
          hold(stream, exit)
          return
        }
        if (repo === 'drop') {
          client.end()
          return
        }
        if (!options.reposDir || !repo) {
          stream.stderr.write('no such repository\n')
          exit(128)
          return
        }
        const git = spawn('git', [name.slice(4), path.join(options.reposDir, repo)], {env: {...process.env, ...env}})
        stream.pipe(git.stdin)
        git.stdout.pipe(stream, {end: false})
        git.stderr.pipe(stream.stderr, {end: false})
        git.on('close', (code) => exit(code ?? 1))
        return
      }
      default:
        stream.stderr.write(`unknown command: ${command}\n`)
        exit(127)
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('the test SSH server has no port')

  return {
    port: address.port,
    hostKeyLine: options.hostKey.public,
    hostKeyBlob: publicBlob(options.hostKey.public),
    get connections() {
      return connections
    },
    get authenticated() {
      return authenticated
    },
    openChannels: () => [...openByConnection.values()].reduce((sum, open) => sum + open, 0),
    get maxChannelsOnOneConnection() {
      return maxChannelsOnOneConnection
    },
    get connectionsWithChannels() {
      return connectionsWithChannels
    },
    commands,
    waitFor: (predicate, what) => waitFor(changes, predicate, what),
    releaseHolds(code = 0) {
      for (const release of [...holds]) release(code)
      holds.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end()
        server.close(() => resolve())
      }),
  }
}

const waitDeadlineMs = 30_000

function waitFor(changes: EventEmitter, predicate: () => boolean, what: string): Promise<void> {
  if (predicate()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return
      clearTimeout(timer)
      changes.off('change', check)
      resolve()
    }
    const timer = setTimeout(() => {
      changes.off('change', check)
      reject(new Error(`timed out waiting for: ${what}`))
    }, waitDeadlineMs)
    changes.on('change', check)
  })
}
