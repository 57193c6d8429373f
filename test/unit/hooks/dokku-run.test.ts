import {describe, expect, it} from 'vitest'
import {CommandTimeoutError, ConnectionError} from '../../../src/errors.js'
import {runHookPhase} from '../../../src/hooks/run-phase.js'
import type {HookRunOptions} from '../../../src/hooks/types.js'
import type {HookPhase} from '../../../src/manifest/types.js'
import {xargsPath} from '../dokku/dokku-ssh-parsing.js'
import {FakeConnection, fakeConnector, type ScriptedExec} from './fake-connection.js'
import {contextFor, EventLog, GRADUATION_ID, hook, prodHost} from './fixtures.js'

const ENV_FLAGS = `--env=GRADUATE_ID=${GRADUATION_ID} --env=GRADUATE_FROM=staging --env=GRADUATE_TO=production --env=GRADUATE_APPS=api,web`

function setup(script: (command: string) => ScriptedExec = () => ({exitCode: 0})) {
  const log = new EventLog()
  const prod = new FakeConnection(prodHost.display, script)
  const connector = fakeConnector({[prodHost.display]: prod})
  const options = (extra: Partial<HookRunOptions> = {}): HookRunOptions => ({
    connect: connector.connect,
    emit: log.emit,
    // Only local hooks read the context file: a phase of remote hooks must not need a work directory.
    workDir: '/nonexistent/remote-hooks-write-no-context-file',
    ...extra,
  })
  return {log, prod, connector, options}
}

function migrate(command: string, extra: {phase?: HookPhase; timeoutMs?: number} = {}) {
  return hook('migrate', {kind: 'run', app: 'api', target: {host: prodHost, app: 'api-production'}, command}, extra)
}

describe('run hooks (dokku run on the target)', () => {
  it('send `dokku run --no-tty` with the scalar GRADUATE_* variables to the target app over its dokku connection', async () => {
    const {prod, connector, options} = setup()
    const result = await runHookPhase([migrate('bin/migrate')], contextFor('post'), options())

    expect(result).toMatchObject({ok: true, hooks: [{label: 'migrate', result: 'ok', exitCode: 0}]})
    expect(connector.hosts).toEqual([prodHost])
    expect(prod.calls.map(({command}) => command)).toEqual([`run --no-tty --ttl-seconds=30 ${ENV_FLAGS} --env=GRADUATE_PHASE=post api-production /bin/sh -c bin/migrate`])
  })

  it('quote a command of several words so Dokku hands it to /bin/sh -c as one argument', async () => {
    const {prod, options} = setup()
    const command = `bundle exec rails db:migrate && echo "it's done"`
    await runHookPhase([migrate(command)], contextFor('post'), options())

    const [call] = prod.calls
    expect(call?.command).toBe(`run --no-tty --ttl-seconds=30 ${ENV_FLAGS} --env=GRADUATE_PHASE=post api-production /bin/sh -c 'bundle exec rails db:migrate && echo "it'\\''s done"'`)
    // What Dokku's own re-parse (xargs) makes of the string on the host.
    expect(xargsPath(call?.command ?? '').slice(-3)).toEqual(['/bin/sh', '-c', command])
  })

  it('pass GRADUATE_OUTCOME to released and aborted hooks', async () => {
    const {prod, options} = setup()
    await runHookPhase([migrate('bin/notify', {phase: 'aborted'})], contextFor('aborted', 'aborted'), options())
    expect(prod.calls[0]?.command).toBe(
      `run --no-tty --ttl-seconds=30 ${ENV_FLAGS} --env=GRADUATE_PHASE=aborted --env=GRADUATE_OUTCOME=aborted api-production /bin/sh -c bin/notify`,
    )
  })

  it('report the remote exit status as the hook’s exit code, with the output under the hook’s label', async () => {
    const {log, options} = setup(() => ({stdout: ['== Migrating', ' 42\n'], stderr: ['PG::DuplicateTable\n'], exitCode: 7}))
    const result = await runHookPhase([migrate('bin/migrate'), migrate('bin/after')], contextFor('post'), options())

    expect(result.hooks.map(({result, exitCode}) => ({result, exitCode}))).toEqual([
      {result: 'failed', exitCode: 7},
      {result: 'skipped', exitCode: null},
    ])
    expect(result.cause).toBe('post hook "migrate" failed with exit code 7')
    expect(log.lines('migrate', 'stdout')).toEqual(['== Migrating 42'])
    expect(log.lines('migrate', 'stderr')).toEqual(['PG::DuplicateTable'])
  })

  it('close the channel when the hook times out', async () => {
    const {prod, log, options} = setup(() => ({stdout: ['waiting for a lock'], hang: true}))
    const result = await runHookPhase([migrate('bin/migrate', {timeoutMs: 300})], contextFor('post'), options())

    expect(prod.calls).toHaveLength(1)
    expect(prod.calls[0]?.aborted).toBe(true)
    expect(prod.calls[0]?.options.timeoutMs).toBe(300)
    expect(result.failed).toMatchObject({label: 'migrate', result: 'timeout', exitCode: null})
    expect(result.cause).toBe(
      `post hook "migrate" timed out after 300 ms: its SSH channel to ${prodHost.display} was closed; the command may still be running there`,
    )
    // The half line that arrived before the timeout is still shown.
    expect(log.lines('migrate')).toEqual(['waiting for a lock'])
  })

  it('count the transport’s own deadline for the call as the hook’s timeout', async () => {
    const timedOut = new CommandTimeoutError({host: prodHost.display, command: 'run --no-tty …', timeoutMs: 300})
    const {options} = setup(() => ({error: timedOut}))
    const result = await runHookPhase([migrate('bin/migrate', {timeoutMs: 300})], contextFor('post'), options())
    expect(result.failed).toMatchObject({result: 'timeout', exitCode: null})
  })

  it('close the channel when the graduation is aborted', async () => {
    const controller = new AbortController()
    const {prod, options} = setup(() => ({hang: true}))
    const phase = runHookPhase([migrate('bin/migrate')], contextFor('post'), options({signal: controller.signal}))
    await prod.nextCall()
    controller.abort(new Error('Ctrl-C'))
    const result = await phase

    expect(prod.calls[0]?.aborted).toBe(true)
    expect(result.failed).toMatchObject({result: 'failed', exitCode: null})
    expect(result.cause).toMatch(/^post hook "migrate" was interrupted: its SSH channel to dokku@prod-1\.example\.com:22 was closed/)
  })

  it('refuse a command Dokku’s SSH parsing would split at a newline, before connecting', async () => {
    const {prod, connector, log, options} = setup()
    const result = await runHookPhase([migrate('bin/migrate\nbin/seed')], contextFor('post'), options())

    expect(connector.hosts).toEqual([])
    expect(prod.calls).toEqual([])
    expect(result.failed).toMatchObject({label: 'migrate', result: 'failed', exitCode: null})
    expect(result.cause).toBe(
      'post hook "migrate" could not run: its command cannot be sent through Dokku: Dokku’s SSH parsing (xargs) splits ' +
        'arguments at newlines, so an argument cannot contain one. To fix it: for a hook command, join the lines with `;` ' +
        'or `&&`, or put them in a script and run that',
    )
    expect(log.hookEvents().map(({state}) => state)).toEqual(['start', 'failed'])
  })

  it('report a connection that dropped while the command ran as an unknown outcome', async () => {
    const {options} = setup(() => ({exitCode: null, signal: null}))
    const result = await runHookPhase([migrate('bin/migrate')], contextFor('post'), options())
    expect(result.cause).toBe(
      `post hook "migrate" failed: the connection to ${prodHost.display} dropped while it ran, so whether it finished there is unknown`,
    )
  })

  it('report a command the host killed with a signal', async () => {
    const {options} = setup(() => ({exitCode: null, signal: 'KILL'}))
    const result = await runHookPhase([migrate('bin/migrate')], contextFor('post'), options())
    expect(result.cause).toBe('post hook "migrate" failed: it was killed by KILL')
  })

  it('report a host it cannot reach with the connection error and its hint', async () => {
    const {log, options} = setup()
    const unreachable = new ConnectionError(prodHost.display, 'connection refused', {hint: 'check that sshd runs on the host'})
    const result = await runHookPhase([migrate('bin/migrate')], contextFor('post'), options({connect: () => Promise.reject(unreachable)}))
    expect(result.cause).toBe(`post hook "migrate" could not run: ${prodHost.display}: connection refused (check that sshd runs on the host)`)
    expect(log.hookEvents().at(-1)).toMatchObject({state: 'failed', message: result.cause})
  })

  it('stop waiting for a connection when the hook times out', async () => {
    const {options} = setup()
    const result = await runHookPhase([migrate('bin/migrate', {timeoutMs: 300})], contextFor('post'), options({connect: () => new Promise(() => {})}))
    expect(result.failed).toMatchObject({result: 'timeout'})
    expect(result.cause).toBe(`post hook "migrate" timed out after 300 ms: it had not started: graduate was still connecting to ${prodHost.display}`)
  })
})
