import {describe, expect, it} from 'vitest'
import {runHookPhase} from '../../../src/hooks/run-phase.js'
import {formatDuration} from '../../../src/hooks/verdict.js'
import {FakeConnection, fakeConnector} from './fake-connection.js'
import {contextFor, dbHost, EventLog, hook, makeWorkDir, prodHost} from './fixtures.js'

describe('runHookPhase', () => {
  it('runs local, run and ssh hooks in order, each framed by start and end events around its output', async () => {
    const workDir = await makeWorkDir()
    try {
      const log = new EventLog()
      const prod = new FakeConnection(prodHost.display, () => ({stdout: ['migrated\n']}))
      const db = new FakeConnection(dbHost.display, () => ({stdout: ['vacuumed\n']}))
      const hooks = [
        hook('announce', {kind: 'local', command: 'echo announced', cwd: workDir.dir}),
        hook('migrate', {kind: 'run', app: 'api', target: {host: prodHost, app: 'api'}, command: 'bin/migrate'}),
        hook('vacuum', {kind: 'ssh', host: dbHost, command: 'vacuumdb app'}),
      ]
      const result = await runHookPhase(hooks, contextFor('post'), {
        connect: fakeConnector({[prodHost.display]: prod, [dbHost.display]: db}).connect,
        emit: log.emit,
        workDir: workDir.dir,
        env: {PATH: process.env.PATH},
      })

      expect(result).toEqual({ok: true, hooks: result.hooks})
      expect(result.hooks.map(({label, result, exitCode}) => [label, result, exitCode])).toEqual([
        ['announce', 'ok', 0],
        ['migrate', 'ok', 0],
        ['vacuum', 'ok', 0],
      ])
      const stream = log.events.map((event) =>
        event.type === 'hook' ? `${event.label} ${event.state}` : event.type === 'hook-output' ? `  ${event.label}: ${event.line}` : event.type,
      )
      expect(stream).toEqual([
        'announce start',
        '  announce: announced',
        'announce ok',
        'migrate start',
        '  migrate: migrated',
        'migrate ok',
        'vacuum start',
        '  vacuum: vacuumed',
        'vacuum ok',
      ])
      for (const event of log.hookEvents().filter(({state}) => state === 'ok')) {
        expect(event).toMatchObject({phase: 'post', exitCode: 0, durationMs: expect.any(Number)})
        expect(event).not.toHaveProperty('message')
      }
    } finally {
      await workDir.remove()
    }
  })

  it('succeeds at once for a phase without hooks', async () => {
    const log = new EventLog()
    const result = await runHookPhase([], contextFor('pre'), {connect: () => Promise.reject(new Error('unused')), emit: log.emit, workDir: '/nonexistent'})
    expect(result).toEqual({ok: true, hooks: []})
    expect(log.events).toEqual([])
  })

  it('names the failing hook, not its command or environment, in its message', async () => {
    const log = new EventLog()
    const prod = new FakeConnection(prodHost.display, () => ({exitCode: 2}))
    const secretish = 'DATABASE_URL=postgres://admin:hunter2@db bin/migrate'
    const result = await runHookPhase(
      [hook('migrate', {kind: 'run', app: 'api', target: {host: prodHost, app: 'api'}, command: secretish})],
      contextFor('post'),
      {connect: fakeConnector({[prodHost.display]: prod}).connect, emit: log.emit, workDir: '/nonexistent'},
    )
    expect(result.cause).toBe('post hook "migrate" failed with exit code 2')
    expect(JSON.stringify(log.events)).not.toContain('hunter2')
  })
})

describe('formatDuration', () => {
  it('reads like a person would say the timeout', () => {
    expect(formatDuration(300)).toBe('300 ms')
    expect(formatDuration(1000)).toBe('1 s')
    expect(formatDuration(1500)).toBe('1.5 s')
    expect(formatDuration(90_000)).toBe('1 min 30 s')
    expect(formatDuration(30 * 60_000)).toBe('30 min')
    expect(formatDuration(5_400_000)).toBe('1 h 30 min')
  })
})
