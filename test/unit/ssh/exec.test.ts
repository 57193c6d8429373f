import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {deferred} from '../../../src/deferred.js'
import {CommandTimeoutError, ConnectionError} from '../../../src/errors.js'
import {NodeSshTransport} from '../../../src/ssh/node-ssh-transport.js'
import type {ExecResult, HostConnection} from '../../../src/ssh/transport.js'
import {makeTestHome, quickRetry, serverSettings, type TestHome} from './harness/fixtures.js'
import {generateKeyPair, startSshServer, type TestSshServer} from './harness/ssh-server.js'

let home: TestHome
let server: TestSshServer
let transport: NodeSshTransport

const timeoutMs = 30_000

beforeAll(async () => {
  const clientKey = generateKeyPair()
  home = await makeTestHome()
  await home.writeIdentity(clientKey)
  server = await startSshServer({hostKey: generateKeyPair(), authorizedKeys: [clientKey]})
  await home.writeKnownHosts([`[127.0.0.1]:${server.port} ${server.hostKeyLine}`])
})

afterEach(async () => {
  server.releaseHolds()
  await transport.closeAll()
  await server.waitFor(() => server.openChannels() === 0, 'every channel closed after the test')
})

afterAll(async () => {
  await server.close()
  await home.remove()
})

async function connect(overrides: Parameters<typeof serverSettings>[2] = {}): Promise<HostConnection> {
  transport = new NodeSshTransport({retry: quickRetry})
  return transport.connect(serverSettings(home, server.port, overrides))
}

describe('exec', () => {
  it('returns stdout, stderr and the exit code of the remote command', async () => {
    const connection = await connect()
    expect(connection.label).toBe(`dokku@127.0.0.1:${server.port}`)

    const ok = await connection.exec('echo hello world', {timeoutMs})
    expect(ok).toMatchObject({exitCode: 0, signal: null, stdout: 'hello world\n', stderr: ''})
    expect(ok.durationMs).toBeGreaterThan(0)

    const failed = await connection.exec('fail 3 it broke', {timeoutMs})
    expect(failed).toMatchObject({exitCode: 3, stdout: '', stderr: 'it broke\n'})
  })

  it('feeds stdin and closes it, and closes stdin at once when there is none', async () => {
    const connection = await connect()
    const echoed = await connection.exec('cat', {timeoutMs, stdin: '{"apps": ["web", "worker"]}\nsecond line\n'})
    expect(echoed).toMatchObject({exitCode: 0, stdout: '{"apps": ["web", "worker"]}\nsecond line\n'})
    // Without stdin, `cat` sees end-of-file straight away rather than hanging.
    expect(await connection.exec('cat', {timeoutMs})).toMatchObject({exitCode: 0, stdout: ''})
  })

  it('keeps stdin open until laterStdin resolves, then writes its text and closes it', async () => {
    const connection = await connect()
    const word = deferred<string>()
    let heard = ''
    const running = connection.exec('cat', {timeoutMs, laterStdin: word.promise, onStdout: (chunk) => (heard += chunk)})
    // cat is running with nothing to read yet: its channel is open and it has said nothing.
    await server.waitFor(() => server.openChannels() === 1, 'the command to be running')
    expect(heard).toBe('')
    word.resolve('switch\n')
    expect(await running).toMatchObject({exitCode: 0, stdout: 'switch\n'})
  })

  it('streams output as text without splitting a UTF-8 character across chunks', async () => {
    const connection = await connect()
    const stdout: string[] = []
    const stderr: string[] = []
    const result = await connection.exec('split-utf8', {timeoutMs, onStdout: (chunk) => stdout.push(chunk)})
    expect(result.stdout).toBe('✓ ok\n')
    expect(stdout.join('')).toBe('✓ ok\n')
    expect(stdout.some((chunk) => chunk.includes('\uFFFD'))).toBe(false)

    await connection.exec('fail 2 bad news', {timeoutMs, onStderr: (chunk) => stderr.push(chunk)})
    expect(stderr.join('')).toBe('bad news\n')
  })

  it('rejects a command that outlives its timeout with an error naming host and command, and closes its channel', async () => {
    const connection = await connect()
    const running = connection.exec('hold', {timeoutMs: 300})
    await expect(running).rejects.toThrow(CommandTimeoutError)
    await expect(running).rejects.toThrow(`dokku@127.0.0.1:${server.port}: \`hold\` did not finish within 0.3 s`)
    await server.waitFor(() => server.openChannels() === 0, 'the timed-out channel to close')
  })

  it('names a command by its display form in errors, so a secret in it stays out of messages', async () => {
    const connection = await connect()
    const running = connection.exec('hold', {timeoutMs: 200, displayCommand: 'config:set web API_KEY=<redacted>'})
    await expect(running).rejects.toThrow('`config:set web API_KEY=<redacted>` did not finish')
  })

  it('closes the channel and rejects with the reason when the signal aborts', async () => {
    const connection = await connect()
    const controller = new AbortController()
    const running = connection.exec('hold', {timeoutMs, signal: controller.signal})
    await server.waitFor(() => server.openChannels() === 1, 'the held command to start')
    const reason = new Error('operator pressed Ctrl-C')
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
    await server.waitFor(() => server.openChannels() === 0, 'the aborted channel to close')
  })

  it('reports a command cut off by a dropped connection as exitCode null, and reconnects for the next one', async () => {
    const connection = await connect()
    const connectionsBefore = server.connections
    const cutOff = await connection.exec('drop', {timeoutMs})
    expect(cutOff).toMatchObject({exitCode: null, signal: null, stdout: 'partial\n'})

    expect(await connection.exec('echo back', {timeoutMs})).toMatchObject({exitCode: 0, stdout: 'back\n'})
    expect(server.connections).toBe(connectionsBefore + 1)
  })
})

describe('connection sharing and channel limits', () => {
  it('shares one connection per host between callers, and opens a new one after close', async () => {
    const connectionsBefore = server.connections
    const first = await connect()
    const second = await transport.connect(serverSettings(home, server.port))
    expect(second).toBe(first)
    await Promise.all([first.exec('echo a', {timeoutMs}), second.exec('echo b', {timeoutMs})])
    expect(server.connections).toBe(connectionsBefore + 1)

    await first.close()
    await expect(first.exec('echo a', {timeoutMs})).rejects.toThrow(ConnectionError)
    const third = await transport.connect(serverSettings(home, server.port))
    expect(third).not.toBe(first)
    expect(server.connections).toBe(connectionsBefore + 2)
  })

  it('runs 20 parallel commands over one connection without ever having more than 10 channels open', async () => {
    const connectionsBefore = server.connections
    const commandsBefore = server.commands.length
    const connection = await connect({maxConnections: 1})
    const results = Array.from({length: 20}, () => connection.exec('hold', {timeoutMs}))

    await server.waitFor(() => server.openChannels() === 10 && server.commands.length - commandsBefore === 10, 'the first 10 commands to hold')
    server.releaseHolds()
    await server.waitFor(() => server.commands.length - commandsBefore === 20 && server.openChannels() === 10, 'the queued 10 to start')
    server.releaseHolds()

    const finished: ExecResult[] = await Promise.all(results)
    expect(finished.map((result) => result.exitCode)).toEqual(Array(20).fill(0))
    expect(server.maxChannelsOnOneConnection).toBe(10)
    expect(server.connections).toBe(connectionsBefore + 1)
  })

  it('opens a second connection when 12 long-running commands need channels at once', async () => {
    const connectionsBefore = server.connections
    const withChannelsBefore = server.connectionsWithChannels
    const commandsBefore = server.commands.length
    const connection = await connect()
    const results = Array.from({length: 12}, () => connection.exec('hold', {timeoutMs}))

    await server.waitFor(() => server.openChannels() === 12 && server.commands.length - commandsBefore === 12, 'all 12 commands to hold')
    expect(server.connections).toBe(connectionsBefore + 2)
    expect(server.connectionsWithChannels).toBe(withChannelsBefore + 2)
    expect(server.maxChannelsOnOneConnection).toBe(10)

    server.releaseHolds()
    expect((await Promise.all(results)).map((result) => result.exitCode)).toEqual(Array(12).fill(0))
  })
})
