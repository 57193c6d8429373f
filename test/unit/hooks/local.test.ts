import {mkdir, readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {runLocalHook} from '../../../src/hooks/local.js'
import {runHookPhase} from '../../../src/hooks/run-phase.js'
import type {HookRunOptions} from '../../../src/hooks/types.js'
import type {HookPhase} from '../../../src/manifest/types.js'
import {runMarker} from '../../support/leftover-processes.js'
import {isAlive} from '../../support/process-tree.js'
import {contextFor, EventLog, GRADUATION_ID, hook, makeWorkDir} from './fixtures.js'

let workDir: Awaited<ReturnType<typeof makeWorkDir>>
let log: EventLog

beforeEach(async () => {
  workDir = await makeWorkDir()
  log = new EventLog()
})

afterEach(async () => {
  await workDir.remove()
})

function options(extra: Partial<HookRunOptions> = {}): HookRunOptions {
  return {
    connect: () => Promise.reject(new Error('local hooks never connect')),
    emit: log.emit,
    workDir: path.join(workDir.dir, 'state'),
    // The run's marker: a `sleep 60` grandchild graduate failed to stop would show in the final leftover check.
    env: {PATH: process.env.PATH, HOOK_TEST_TOKEN: 'from-the-caller', GRADUATE_OUTCOME: 'stale-from-parent', ...runMarker()},
    ...extra,
  }
}

function local(label: string, command: string, extra: {phase?: HookPhase; timeoutMs?: number; cwd?: string} = {}) {
  return hook(label, {kind: 'local', command, cwd: extra.cwd ?? workDir.dir}, extra)
}

/**
 * A killed process closes its pipes a moment before the kernel marks it dead, so a test waits for that
 * state; the deadline is far below the grandchildren's `sleep 60`.
 */
async function isGoneSoon(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

const PRINT_CONTRACT =
  'printf "%s\\n" "id=$GRADUATE_ID" "from=$GRADUATE_FROM" "to=$GRADUATE_TO" "apps=$GRADUATE_APPS" ' +
  '"phase=$GRADUATE_PHASE" "outcome=${GRADUATE_OUTCOME-unset}" "token=$HOOK_TEST_TOKEN"'

describe('local hooks', () => {
  it('run with the caller’s environment and the GRADUATE_* variables, without inherited stale ones', async () => {
    const result = await runHookPhase([local('print', PRINT_CONTRACT, {phase: 'pre'})], contextFor('pre'), options())
    expect(result).toMatchObject({ok: true, hooks: [{phase: 'pre', label: 'print', result: 'ok', exitCode: 0}]})
    expect(log.lines('print', 'stdout')).toEqual([
      `id=${GRADUATION_ID}`,
      'from=staging',
      'to=production',
      'apps=api,web',
      'phase=pre',
      'outcome=unset',
      'token=from-the-caller',
    ])
  })

  it('tell released hooks how the graduation ended', async () => {
    await runHookPhase([local('notify', PRINT_CONTRACT, {phase: 'released'})], contextFor('released', 'released'), options())
    expect(log.lines('notify')).toContain('outcome=released')
    expect(log.lines('notify')).toContain('phase=released')
  })

  it('find the context as a 0600 JSON file, written once for the whole phase', async () => {
    const context = contextFor('post')
    const printPath = 'printf "%s\\n" "$GRADUATE_CONTEXT"'
    const result = await runHookPhase([local('first', printPath), local('second', printPath)], context, options())
    expect(result.ok).toBe(true)

    const [first] = log.lines('first')
    expect(first).toBeDefined()
    expect(log.lines('second')).toEqual([first])
    const file = first as string
    expect(path.dirname(file)).toBe(path.join(workDir.dir, 'state'))
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(context)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readdir(path.dirname(file))).toEqual([path.basename(file)])
  })

  it('run in the hook’s directory', async () => {
    const cwd = path.join(workDir.dir, 'deploy scripts')
    await mkdir(cwd)
    await runHookPhase([local('where', 'pwd', {cwd})], contextFor('post'), options())
    expect(log.lines('where')).toEqual([cwd])
  })

  it('show stdout and stderr as separate whole lines, including a last line without a newline', async () => {
    await runHookPhase([local('talk', 'printf "out 1\\nout 2"; printf "err 1\\n" >&2')], contextFor('post'), options())
    expect(log.lines('talk', 'stdout')).toEqual(['out 1', 'out 2'])
    expect(log.lines('talk', 'stderr')).toEqual(['err 1'])
  })

  it('report a failing hook by name and exit code, stop the phase and skip the hooks after it', async () => {
    const marker = path.join(workDir.dir, 'ran')
    const hooks = [local('backup', 'echo saved'), local('migrate', 'echo "relation exists" >&2; exit 3'), local('warm caches', `touch '${marker}'`)]
    const result = await runHookPhase(hooks, contextFor('post'), options())

    expect(result.ok).toBe(false)
    expect(result.hooks.map(({label, result, exitCode}) => ({label, result, exitCode}))).toEqual([
      {label: 'backup', result: 'ok', exitCode: 0},
      {label: 'migrate', result: 'failed', exitCode: 3},
      {label: 'warm caches', result: 'skipped', exitCode: null},
    ])
    expect(result.failed).toMatchObject({label: 'migrate', result: 'failed', exitCode: 3})
    expect(result.cause).toBe('post hook "migrate" failed with exit code 3')
    expect(log.lines('migrate', 'stderr')).toEqual(['relation exists'])
    expect(log.hookEvents().map(({label, state}) => `${label}:${state}`)).toEqual(['backup:start', 'backup:ok', 'migrate:start', 'migrate:failed'])
    await expect(stat(marker)).rejects.toThrow(/ENOENT/)
  })

  it('kill a timed-out hook’s whole process group, grandchildren included', async () => {
    const result = await runHookPhase(
      [local('hang', 'sleep 60 & echo "grandchild $!"; wait', {timeoutMs: 1000}), local('after', 'echo never')],
      contextFor('post'),
      options(),
    )
    const line = log.lines('hang').find((printed) => printed.startsWith('grandchild '))
    expect(line, 'the hook printed its grandchild’s pid before the timeout').toBeDefined()
    expect(await isGoneSoon(Number(line?.split(' ')[1]))).toBe(true)

    expect(result.hooks.map(({result}) => result)).toEqual(['timeout', 'skipped'])
    expect(result.failed).toMatchObject({label: 'hang', result: 'timeout', exitCode: null})
    expect(result.cause).toBe('post hook "hang" timed out after 1 s: its processes were terminated')
    expect(log.hookEvents().at(-1)).toMatchObject({label: 'hang', state: 'timeout', exitCode: null, message: result.cause})
  })

  it('stop the running hook and skip the rest when the graduation is aborted', async () => {
    const controller = new AbortController()
    const marker = path.join(workDir.dir, 'ran')
    const phase = runHookPhase(
      [local('long', 'sleep 60 & echo "grandchild $!"; wait'), local('after', `touch '${marker}'`)],
      contextFor('post'),
      options({signal: controller.signal}),
    )
    const grandchild = Number((await log.line('long', /^grandchild \d+$/)).split(' ')[1])
    expect(isAlive(grandchild)).toBe(true)
    controller.abort(new Error('Ctrl-C'))
    const result = await phase

    expect(await isGoneSoon(grandchild)).toBe(true)
    expect(result.hooks.map(({result}) => result)).toEqual(['failed', 'skipped'])
    expect(result.cause).toBe('post hook "long" was interrupted: its processes were terminated')
    await expect(stat(marker)).rejects.toThrow(/ENOENT/)
  })

  it('run nothing when the graduation was aborted before the phase', async () => {
    const controller = new AbortController()
    controller.abort(new Error('Ctrl-C'))
    const result = await runHookPhase([local('first', 'echo hi')], contextFor('post'), options({signal: controller.signal}))
    expect(result).toEqual({ok: false, hooks: [{phase: 'post', label: 'first', result: 'skipped', exitCode: null, durationMs: 0}]})
    expect(log.events).toEqual([])
  })

  it('say which directory is missing instead of failing to start /bin/sh', async () => {
    const cwd = path.join(workDir.dir, 'no-such-dir')
    const result = await runHookPhase([local('build', 'make', {cwd, phase: 'pre'})], contextFor('pre'), options())
    expect(result.cause).toBe(`pre hook "build" could not run: its working directory ${cwd} does not exist; local hooks run in the manifest's directory`)
  })
})

describe('runLocalHook', () => {
  it('SIGKILLs a process group that ignores SIGTERM once the grace period is over', async () => {
    const controller = new AbortController()
    const lines: string[] = []
    let announce: (line: string) => void = () => {}
    const announced = new Promise<string>((resolve) => (announce = resolve))
    const end = runLocalHook(
      {command: 'trap "" TERM; sleep 60 & echo "grandchild $!"; wait', cwd: workDir.dir},
      {PATH: process.env.PATH, ...runMarker()},
      {
        stop: controller.signal,
        timeoutMs: 60_000,
        output: (_stream, line) => {
          lines.push(line)
          announce(line)
        },
      },
      {killGraceMs: 200},
    )
    const grandchild = Number((await announced).split(' ')[1])
    controller.abort()
    expect(await end).toEqual({kind: 'stopped', how: 'its processes were terminated'})
    expect(await isGoneSoon(grandchild)).toBe(true)
  })

  it('reports a hook that died of a signal it did not get from graduate', async () => {
    const end = await runLocalHook({command: 'kill -SEGV $$', cwd: workDir.dir}, {PATH: process.env.PATH}, {
      stop: new AbortController().signal,
      timeoutMs: 60_000,
      output: () => {},
    })
    expect(end).toEqual({kind: 'killed', signal: 'SIGSEGV'})
  })
})
