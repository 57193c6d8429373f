import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {runHookPhase} from '../../../src/hooks/run-phase.js'
import {sshHookCommand} from '../../../src/hooks/ssh-hook.js'
import type {HookRunOptions} from '../../../src/hooks/types.js'
import {FakeConnection, fakeConnector, type ScriptedExec} from './fake-connection.js'
import {contextFor, dbHost, EventLog, GRADUATION_ID, hook} from './fixtures.js'

const run = promisify(execFile)

function setup(script: (command: string) => ScriptedExec = () => ({exitCode: 0})) {
  const log = new EventLog()
  const db = new FakeConnection(dbHost.display, script)
  const connector = fakeConnector({[dbHost.display]: db})
  const options = (extra: Partial<HookRunOptions> = {}): HookRunOptions => ({connect: connector.connect, emit: log.emit, workDir: '/nonexistent', ...extra})
  return {log, db, connector, options}
}

function backup(command: string, timeoutMs = 30_000) {
  return hook('backup', {kind: 'ssh', host: dbHost, command}, {phase: 'pre', timeoutMs})
}

describe('ssh hooks', () => {
  it('send the command to /bin/sh -c on the hook’s own host, with the GRADUATE_* variables', async () => {
    const {db, connector, options} = setup()
    const result = await runHookPhase([backup('pg_dump app > /backups/pre.sql')], contextFor('pre'), options())

    expect(result.ok).toBe(true)
    expect(connector.hosts).toEqual([dbHost])
    expect(db.calls.map(({command}) => command)).toEqual([
      `env 'GRADUATE_ID=${GRADUATION_ID}' 'GRADUATE_FROM=staging' 'GRADUATE_TO=production' 'GRADUATE_APPS=api,web' ` +
        `'GRADUATE_PHASE=pre' /bin/sh -c 'pg_dump app > /backups/pre.sql'`,
    ])
  })

  it('build a string a POSIX login shell turns back into exactly the command and variables', async () => {
    // Quotes, a newline and $ must reach /bin/sh -c untouched: a plain shell, unlike Dokku, takes them all.
    const command = `printf '%s\\n' "id=$GRADUATE_ID" "apps=$GRADUATE_APPS" "it's"\necho "second line" "$0"`
    const sent = sshHookCommand(command, {GRADUATE_ID: GRADUATION_ID, GRADUATE_APPS: 'api,web'})
    const {stdout} = await run('/bin/sh', ['-c', sent], {env: {PATH: process.env.PATH}})
    expect(stdout).toBe(`id=${GRADUATION_ID}\napps=api,web\nit's\nsecond line /bin/sh\n`)
  })

  it('report the remote exit code and show the output under the hook’s label', async () => {
    const {log, options} = setup(() => ({stderr: ['pg_dump: error: connection ', 'refused\n'], exitCode: 1}))
    const result = await runHookPhase([backup('pg_dump app')], contextFor('pre'), options())
    expect(result.failed).toMatchObject({phase: 'pre', label: 'backup', result: 'failed', exitCode: 1})
    expect(result.cause).toBe('pre hook "backup" failed with exit code 1')
    expect(log.lines('backup', 'stderr')).toEqual(['pg_dump: error: connection refused'])
  })

  it('close the channel when the hook times out', async () => {
    const {db, options} = setup(() => ({hang: true}))
    const result = await runHookPhase([backup('pg_dump app', 300)], contextFor('pre'), options())
    expect(db.calls[0]?.aborted).toBe(true)
    expect(result.failed).toMatchObject({result: 'timeout', exitCode: null})
    expect(result.cause).toBe(`pre hook "backup" timed out after 300 ms: its SSH channel to ${dbHost.display} was closed; the command may still be running there`)
  })
})
