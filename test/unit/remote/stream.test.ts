import {describe, expect, it} from 'vitest'
import {CommandTimeoutError, ConnectionError} from '../../../src/errors.js'
import type {HostSpec} from '../../../src/manifest/types.js'
import {streamCommand} from '../../../src/remote/stream.js'
import type {HostConnection} from '../../../src/ssh/transport.js'
import {FakeConnection, type ScriptedExec} from '../hooks/fake-connection.js'
import {dbHost} from '../hooks/fixtures.js'

const command = {wire: "env 'A=1' /bin/sh -c 'backup'", display: "env 'A=1' /bin/sh -c 'backup'"}

function stream(script: ScriptedExec, options: {connect?: (host: HostSpec) => Promise<HostConnection>; stop?: AbortSignal} = {}) {
  const connection = new FakeConnection('deploy@db:22', () => script)
  const lines: string[] = []
  const ended = streamCommand(dbHost, command, options.connect ?? (async () => connection), {
    stop: options.stop ?? new AbortController().signal,
    timeoutMs: 5000,
    line: (name, text) => lines.push(`${name}: ${text}`),
  })
  return {connection, lines, ended}
}

describe('a streamed command', () => {
  it('sends the wire string once and hands its output on as whole lines, the last one without a newline too', async () => {
    const {connection, lines, ended} = stream({stdout: ['dumping ', 'api\nsiz', 'e 12 MB'], stderr: ['warn\r\n'], exitCode: 4})
    expect(await ended).toEqual({kind: 'exited', exitCode: 4})
    expect(connection.calls.map((call) => call.command)).toEqual([command.wire])
    expect(lines).toEqual(['stdout: dumping api', 'stderr: warn', 'stdout: size 12 MB'])
  })

  it('tells a signal from a dropped connection', async () => {
    expect(await stream({signal: 'SIGKILL', exitCode: null}).ended).toEqual({kind: 'killed', signal: 'SIGKILL'})
    expect(await stream({exitCode: null}).ended).toEqual({kind: 'dropped', host: 'deploy@db:22'})
  })

  it('closes the channel when stopped, and says it was stopped while running', async () => {
    const stop = new AbortController()
    const {connection, ended} = stream({hang: true}, {stop: stop.signal})
    await connection.nextCall()
    stop.abort(new Error('deadline'))
    expect(await ended).toEqual({kind: 'stopped-running', host: 'deploy@db:22'})
    expect(connection.calls[0]?.aborted).toBe(true)
  })

  it('counts the transport’s own deadline as stopped, not as a failure', async () => {
    const {ended} = stream({error: new CommandTimeoutError({host: 'deploy@db:22', command: command.display, timeoutMs: 5000})})
    expect(await ended).toEqual({kind: 'stopped-running', host: 'deploy@db:22'})
  })

  it('gives up connecting when stopped, having sent nothing', async () => {
    const stop = new AbortController()
    const {ended} = stream({exitCode: 0}, {stop: stop.signal, connect: () => new Promise(() => {})})
    stop.abort(new Error('deadline'))
    expect(await ended).toEqual({kind: 'stopped-connecting', host: dbHost.display})
  })

  it('names the host when it cannot connect, once', async () => {
    const named = await stream({exitCode: 0}, {connect: () => Promise.reject(new ConnectionError(dbHost.display, 'connection refused', {hint: 'is sshd running?'}))}).ended
    expect(named).toEqual({kind: 'not-run', reason: `${dbHost.display}: connection refused (is sshd running?)`})
    const unnamed = await stream({exitCode: 0}, {connect: () => Promise.reject(new Error('no route'))}).ended
    expect(unnamed).toEqual({kind: 'not-run', reason: `could not connect to ${dbHost.display}: no route`})
  })

  it('says why a send failed', async () => {
    expect(await stream({error: new Error('channel open failure')}).ended).toEqual({kind: 'not-run', reason: 'channel open failure'})
  })
})
