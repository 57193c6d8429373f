import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {ConnectionError, HostKeyError} from '../../../src/errors.js'
import {fingerprint} from '../../../src/ssh/known-hosts.js'
import {NodeSshTransport} from '../../../src/ssh/node-ssh-transport.js'
import {makeTestHome, quickRetry, serverSettings, type TestHome} from './harness/fixtures.js'
import {generateKeyPair, publicBlob, startSshServer, type KeyPair, type TestSshServer} from './harness/ssh-server.js'
import {killAtTeardown} from '../../support/child-processes.js'

let home: TestHome
let server: TestSshServer
let hostKey: KeyPair
let clientKey: KeyPair
let transport: NodeSshTransport
/** The server's host key fingerprint as OpenSSH's own ssh-keygen prints it. */
let serverFingerprint: string

beforeAll(async () => {
  hostKey = generateKeyPair()
  clientKey = generateKeyPair()
  server = await startSshServer({hostKey, authorizedKeys: [clientKey]})
  const scratch = await makeTestHome()
  const pub = path.join(scratch.dir, 'host.pub')
  await fs.writeFile(pub, `${hostKey.public}\n`)
  serverFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub], {encoding: 'utf8'}).split(' ')[1] ?? ''
  await scratch.remove()
})

afterAll(() => server.close())

beforeEach(async () => {
  home = await makeTestHome()
  await home.writeIdentity(clientKey)
  transport = new NodeSshTransport({retry: quickRetry})
})

afterEach(async () => {
  await transport.closeAll()
  await home.remove()
})

const timeoutMs = 30_000
const knownEntry = () => `[127.0.0.1]:${server.port} ${hostKey.public}`

async function connectionError(connecting: Promise<unknown>): Promise<ConnectionError> {
  const error = await connecting.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(ConnectionError)
  return error as ConnectionError
}

describe('host key verification', () => {
  it('refuses a host whose key is not in known_hosts, naming its fingerprint and how to add it', async () => {
    await home.writeKnownHosts([])
    const before = {connections: server.connections, authenticated: server.authenticated}
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))

    expect(error).toBeInstanceOf(HostKeyError)
    expect(error).toMatchObject({kind: 'unknown', presented: serverFingerprint, code: 'host_key_unknown'})
    expect(error.message).toContain(`dokku@127.0.0.1:${server.port}: host key not known`)
    expect(error.message).toContain(`ssh-ed25519 key ${serverFingerprint}`)
    expect(error.hint).toContain(`ssh-keyscan -p ${server.port} 127.0.0.1 >> ${home.knownHosts}`)
    // Never retried, never authenticated: the key was refused before our identity was offered.
    expect(server.connections).toBe(before.connections + 1)
    expect(server.authenticated).toBe(before.authenticated)
  })

  it('refuses a host whose key changed, with both fingerprints and the ssh-keygen -R fix', async () => {
    const previous = generateKeyPair()
    await home.writeKnownHosts([`[127.0.0.1]:${server.port} ${previous.public}`])
    const previousFingerprint = fingerprint(publicBlob(previous.public))
    const before = server.connections
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))

    expect(error).toMatchObject({kind: 'changed', presented: serverFingerprint, expected: [previousFingerprint]})
    expect(error.message).toContain('HOST KEY CHANGED')
    expect(error.message).toContain(serverFingerprint)
    expect(error.message).toContain(previousFingerprint)
    expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}' -f ${home.knownHosts}`)
    expect(server.connections).toBe(before + 1)
  })

  it('refuses a key marked @revoked', async () => {
    await home.writeKnownHosts([knownEntry(), `@revoked * ${hostKey.public}`])
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))
    expect(error).toMatchObject({kind: 'revoked', presented: serverFingerprint})
    expect(error.message).toContain('@revoked')
  })

  it('accepts the host through an entry hashed by ssh-keygen -H', async () => {
    await home.writeKnownHosts([knownEntry()])
    execFileSync('ssh-keygen', ['-H', '-f', home.knownHosts], {stdio: 'ignore'})
    expect(await fs.readFile(home.knownHosts, 'utf8')).toMatch(/^\|1\|/)

    const connection = await transport.connect(serverSettings(home, server.port))
    expect(await connection.exec('echo hashed', {timeoutMs})).toMatchObject({exitCode: 0, stdout: 'hashed\n'})
  })

  it('asks a host with several keys for the type known_hosts has, instead of calling it changed', async () => {
    const rsaHostKey = generateKeyPair('rsa')
    const multiKey = await startSshServer({hostKey, extraHostKeys: [rsaHostKey], authorizedKeys: [clientKey]})
    try {
      // Only the RSA key is known; the ed25519 key the handshake would otherwise prefer is not.
      await home.writeKnownHosts([`[127.0.0.1]:${multiKey.port} ${rsaHostKey.public}`])
      const connection = await transport.connect(serverSettings(home, multiKey.port))
      expect(await connection.exec('echo rsa', {timeoutMs})).toMatchObject({exitCode: 0, stdout: 'rsa\n'})
      await transport.closeAll()
    } finally {
      await multiKey.close()
    }
  })

  // Like ssh: a bare-host entry counts for another port only when it holds the very key (test/openssh/host-keys.test.ts).
  it('takes a bare host entry (port 22) for a host on another port only when it holds the presented key', async () => {
    await home.writeKnownHosts([`127.0.0.1 ${hostKey.public}`])
    const connection = await transport.connect(serverSettings(home, server.port))
    expect(await connection.exec('echo ok', {timeoutMs})).toMatchObject({exitCode: 0})
    await transport.closeAll()

    await home.writeKnownHosts([`127.0.0.1 ${generateKeyPair().public}`])
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))
    expect(error).toMatchObject({kind: 'unknown'})
  })
})

describe('connection failures', () => {
  it('maps a refused connection to a message naming host and port, with a hint', async () => {
    const closedPort = await unusedPort()
    const error = await connectionError(transport.connect(serverSettings(home, closedPort)))
    expect(error).toMatchObject({code: 'connection_refused', host: `dokku@127.0.0.1:${closedPort}`})
    expect(error.message).toBe(`dokku@127.0.0.1:${closedPort}: connection refused by 127.0.0.1 port ${closedPort}`)
    expect(error.hint).toContain('start sshd')
  })

  it('maps refused keys to an authentication error listing what was offered (never the key) and how to add one', async () => {
    await home.writeKnownHosts([knownEntry()])
    await home.writeIdentity(generateKeyPair())
    const before = server.connections
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))
    expect(error).toMatchObject({code: 'auth_failed'})
    expect(error.message).toContain(`refused our SSH keys for user dokku (offered: ${path.join(home.sshDir, 'id_ed25519')})`)
    expect(error.hint).toContain('dokku ssh-keys:add')
    expect(server.connections).toBe(before + 1)
  })

  it('retries a connection reset during the handshake, then connects', async () => {
    await home.writeKnownHosts([`[127.0.0.1]:${server.port} ${hostKey.public}`])
    const flaky = await startFlakyProxy(server.port, 2)
    try {
      await home.writeKnownHosts([`[127.0.0.1]:${flaky.port} ${hostKey.public}`])
      const connection = await transport.connect(serverSettings(home, flaky.port))
      expect(await connection.exec('echo third time', {timeoutMs})).toMatchObject({stdout: 'third time\n'})
      expect(flaky.attempts()).toBe(3)
    } finally {
      await flaky.close()
    }
  })

  it('gives up on a host that never completes the handshake after the capped attempts', async () => {
    const silent = await startFlakyProxy(undefined, Infinity, 'hang')
    try {
      const error = await connectionError(transport.connect(serverSettings(home, silent.port, {connectTimeoutMs: 200})))
      expect(error).toMatchObject({code: 'connection_timeout'})
      expect(error.message).toContain('no SSH handshake with 127.0.0.1')
      expect(silent.attempts()).toBe(quickRetry.attempts)
    } finally {
      await silent.close()
    }
  })
})

describe('keepalive', () => {
  it('declares a connection dead when the network silently stops carrying it, cutting off its command', async () => {
    const proxy = await startSilenceableProxy(server.port)
    try {
      await home.writeKnownHosts([`[127.0.0.1]:${proxy.port} ${hostKey.public}`])
      const connection = await transport.connect(serverSettings(home, proxy.port, {keepaliveIntervalMs: 100, keepaliveCountMax: 2}))
      let started: () => void = () => {}
      const holding = new Promise<void>((resolve) => (started = resolve))
      const running = connection.exec('hold', {timeoutMs, onStdout: () => started()})
      await holding
      // Like a NAT entry expiring: nothing is closed, packets just stop arriving.
      proxy.silence()
      expect(await running).toMatchObject({exitCode: null, signal: null})
    } finally {
      server.releaseHolds()
      await proxy.close()
    }
  })
})

describe('identities', () => {
  it('names a passphrase-protected key it cannot use, without printing any of it', async () => {
    const file = path.join(home.sshDir, 'id_ed25519')
    await fs.rm(file)
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', file])
    const before = server.connections
    const error = await connectionError(transport.connect(serverSettings(home, server.port)))
    const keyText = await fs.readFile(file, 'utf8')
    expect(error).toMatchObject({code: 'identity_unusable'})
    expect(error.message).toContain(`identity file ${file} is protected by a passphrase`)
    expect(error.hint).toContain('ssh-add')
    const everything = `${error.message}\n${error.hint}`
    for (const line of keyText.split('\n').filter((text) => text.length > 20)) expect(everything).not.toContain(line)
    expect(everything).not.toContain('correct horse')
    expect(server.connections).toBe(before)
  })

  it('refuses a public key given as the identity file', async () => {
    const pub = path.join(home.sshDir, 'dokku.pub')
    await fs.writeFile(pub, `${clientKey.public}\n`)
    const settings = {...serverSettings(home, server.port), identityFiles: [pub], requiredIdentityFile: pub}
    const error = await connectionError(transport.connect(settings))
    expect(error.message).toContain(`identity file ${pub} holds a public key`)
  })

  describe('with ssh-agent', () => {
    let agent: ChildProcess
    let agentSocket: string

    beforeEach(async () => {
      agentSocket = path.join(home.dir, 'agent.sock')
      agent = killAtTeardown(spawn('ssh-agent', ['-D', '-a', agentSocket], {stdio: ['ignore', 'pipe', 'ignore']}))
      // It announces the socket on stdout once it is listening.
      await new Promise((resolve) => agent.stdout?.once('data', resolve))
      const loaded = await home.writeIdentity(clientKey, 'agent_key')
      execFileSync('ssh-add', ['-q', loaded], {env: {...process.env, SSH_AUTH_SOCK: agentSocket}, stdio: 'ignore'})
      await fs.rm(loaded)
    })

    afterEach(() => {
      agent.kill()
    })

    it('authenticates with the agent, leaving a passphrase-protected identity file to it', async () => {
      await home.writeKnownHosts([knownEntry()])
      const file = path.join(home.sshDir, 'id_ed25519')
      await fs.rm(file)
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', file])

      const connection = await transport.connect(serverSettings(home, server.port, {agentSocket}))
      expect(await connection.exec('echo via agent', {timeoutMs})).toMatchObject({exitCode: 0, stdout: 'via agent\n'})
    })
  })
})

/** Forwards to `target` until silence(), after which it swallows every byte in both directions. */
async function startSilenceableProxy(target: number) {
  let silent = false
  const sockets = new Set<net.Socket>()
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const proxy = net.createServer((socket) => {
    const upstream = net.connect(target, '127.0.0.1')
    track(socket)
    track(upstream)
    socket.on('data', (chunk) => silent || upstream.write(chunk))
    upstream.on('data', (chunk) => silent || socket.write(chunk))
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    port: (proxy.address() as net.AddressInfo).port,
    silence: () => {
      silent = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        proxy.close(() => resolve())
      }),
  }
}

async function unusedPort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const {port} = probe.address() as net.AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/**
 * A TCP front that resets its first `failures` connections (or, with 'hang', accepts and never
 * answers), then forwards to `target`. Counts the attempts it saw.
 */
async function startFlakyProxy(target: number | undefined, failures: number, mode: 'reset' | 'hang' = 'reset') {
  let attempts = 0
  const sockets = new Set<net.Socket>()
  const proxy = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (++attempts <= failures) {
      if (mode === 'reset') socket.resetAndDestroy()
      return
    }
    const upstream = net.connect(target ?? 0, '127.0.0.1')
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => socket.destroy())
    socket.pipe(upstream).pipe(socket)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    port: (proxy.address() as net.AddressInfo).port,
    attempts: () => attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        proxy.close(() => resolve())
      }),
  }
}
