import {describe, expect, it} from 'vitest'
import {CommandTimeoutError, RemoteCommandError} from '../../../src/errors.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {run, send} from '../../../src/remote/send.js'
import type {ExecOptions, ExecResult, HostConnection} from '../../../src/ssh/transport.js'

type Answer = Partial<ExecResult> | Error

/** A connection whose answers are the test's, one per send (the last one repeats); every send is recorded. */
function target(...answers: Answer[]) {
  const sent: Array<{wire: string; options: ExecOptions}> = []
  const connection = {
    exec: async (wire: string, options: ExecOptions): Promise<ExecResult> => {
      sent.push({wire, options})
      const answer = answers[Math.min(sent.length, answers.length) - 1]!
      if (answer instanceof Error) throw answer
      return {exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...answer}
    },
  } as unknown as HostConnection
  return {target: {connection, label: 'root@prod-1:22'}, sent}
}

const secretCommand = {wire: 'config:set api TOKEN=hunter2', display: 'config:set api ***', stdin: 'input'}

describe('sending a command', () => {
  it('puts the wire string on the channel and names the command by its display form', async () => {
    const {target: host, sent} = target({exitCode: 0})
    await send(host.connection, secretCommand, {timeoutMs: 5000})
    expect(sent.map(({wire, options}) => ({wire, display: options.displayCommand, stdin: options.stdin}))).toEqual([
      {wire: 'config:set api TOKEN=hunter2', display: 'config:set api ***', stdin: 'input'},
    ])
  })

  it('sends once unless given more attempts, and never again after a timeout', async () => {
    const once = target(new Error('channel open failure'), {exitCode: 0})
    await expect(send(once.target.connection, secretCommand, {timeoutMs: 5000})).rejects.toThrow('channel open failure')
    expect(once.sent).toHaveLength(1)

    const timeout = new CommandTimeoutError({host: 'root@prod-1:22', command: 'x', timeoutMs: 10})
    const timedOut = target(timeout, {exitCode: 0})
    await expect(send(timedOut.target.connection, secretCommand, {timeoutMs: 5000, attempts: 3})).rejects.toBe(timeout)
    expect(timedOut.sent).toHaveLength(1)
  })
})

describe('running a command', () => {
  it('turns an exit it does not expect into a RemoteCommandError that names the host and the display form, never the wire', async () => {
    const {target: host} = target({exitCode: 2, stderr: ' !     must be run as root\n'})
    const failure = await run(host, secretCommand, {timeoutMs: 5000, failureExit: ExitCode.Partial, hintFor: (output) => (output.includes('root') ? 'connect as root' : undefined)}).catch(
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(RemoteCommandError)
    const error = failure as RemoteCommandError
    expect(error.message).toBe('root@prod-1:22: `config:set api ***` exited 2: must be run as root')
    expect(error.message).not.toContain('hunter2')
    expect(error.hint).toBe('connect as root')
    expect(error.exitCode).toBe(ExitCode.Partial)
  })

  it('accepts the exit codes the caller expects, and asks again within the attempts until one comes', async () => {
    const {target: host, sent} = target({exitCode: 1}, {exitCode: 3, stdout: 'missing'})
    await expect(run(host, secretCommand, {timeoutMs: 5000, attempts: 3, expected: (exitCode) => exitCode === 3})).resolves.toMatchObject({exitCode: 3, stdout: 'missing'})
    expect(sent).toHaveLength(2)
  })
})
