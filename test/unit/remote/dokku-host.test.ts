import {describe, expect, it} from 'vitest'
import {appsReport} from '../../../src/dokku/commands/core.js'
import {gateRelease} from '../../../src/dokku/commands/gate.js'
import {RemoteCommandError} from '../../../src/errors.js'
import {DokkuHost} from '../../../src/remote/dokku-host.js'
import type {ExecResult, HostConnection} from '../../../src/ssh/transport.js'

type Answer = Partial<ExecResult> | Error

/** A host whose answers are the test's, one per send (the last one repeats); every send is counted. */
function host(...answers: Answer[]) {
  const sent: string[] = []
  const connection = {
    exec: async (command: string): Promise<ExecResult> => {
      sent.push(command)
      const answer = answers[Math.min(sent.length, answers.length) - 1]!
      if (answer instanceof Error) throw answer
      return {exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...answer}
    },
  } as unknown as HostConnection
  return {dokku: new DokkuHost(connection, 'dokku@prod-1:22'), sent}
}

const dropped: Answer = {exitCode: null, signal: null}
const options = {timeoutMs: 5000}

describe('one retry budget per command', () => {
  it('sends a read-only command three times in all when every send drops, then reports it', async () => {
    const {dokku, sent} = host(dropped)
    await expect(dokku.run(appsReport('api'), {...options, readOnly: true})).rejects.toThrow(RemoteCommandError)
    expect(sent).toHaveLength(3)
  })

  it('counts drops, failed sends and unexpected exits against the same three', async () => {
    const {dokku, sent} = host(dropped, new Error('channel open failure'), {exitCode: 1, stderr: 'boom'})
    await expect(dokku.run(appsReport('api'), {...options, readOnly: true})).rejects.toThrow(/boom/)
    expect(sent).toHaveLength(3)
  })

  it('stops at the first answer it expects', async () => {
    const {dokku, sent} = host(dropped, {exitCode: 0, stdout: 'ok'})
    await expect(dokku.run(appsReport('api'), {...options, readOnly: true})).resolves.toMatchObject({stdout: 'ok'})
    expect(sent).toHaveLength(2)
  })

  it('sends a command that changes something once, whatever happens', async () => {
    const {dokku, sent} = host(dropped)
    await expect(dokku.run(gateRelease('g-1', ['api']), options)).rejects.toThrow(RemoteCommandError)
    expect(sent).toHaveLength(1)
  })

  it('send() returns an unexpected exit as it is, and retries only what dropped', async () => {
    const failing = host({exitCode: 1})
    await expect(failing.dokku.send(appsReport('api'), {...options, readOnly: true})).resolves.toMatchObject({exitCode: 1})
    expect(failing.sent).toHaveLength(1)
    const dropping = host(dropped)
    await expect(dropping.dokku.send(appsReport('api'), {...options, readOnly: true})).resolves.toMatchObject({exitCode: null})
    expect(dropping.sent).toHaveLength(3)
  })
})
