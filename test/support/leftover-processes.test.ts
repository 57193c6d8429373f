import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {killAtTeardown} from './child-processes.js'
import {reapLeftovers, RUN_ID_VARIABLE, runProcesses, TEST_FILE_VARIABLE} from './leftover-processes.js'
import {commandLine, processTable} from './process-tree.js'
import {REPOSITORY} from './cli.js'
import {waitFor} from './sim-client.js'

/*
 * The final check of every test run (leftover-process-check.ts): it finds what a run left running,
 * however it got there, spares what is still finishing, and fails `vitest run`. Each test here marks
 * its processes with a run id of its own, so the real run's check never sees them.
 */
let runId: string
let scratch: string

beforeEach(() => {
  runId = `probe-${randomUUID()}`
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leftover-'))
})

afterEach(() => {
  fs.rmSync(scratch, {recursive: true, force: true})
})

/** `bash -c script` marked as run `marker`'s, in a process group of its own, as a simulated session is. */
function startMarked(script: string, marker = runId) {
  const child = killAtTeardown(
    spawn('bash', ['-c', script], {env: {...process.env, [RUN_ID_VARIABLE]: marker, [TEST_FILE_VARIABLE]: 'probe.test.ts'}, stdio: ['ignore', 'pipe', 'ignore'], detached: true}),
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  // 'exit', not 'close': a background job keeps the stdout pipe open after bash itself has ended.
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {child, exit, firstLine: () => waitFor('its first line', () => /^(\d+)\n/.exec(stdout)?.[1]).then(Number)}
}

describe('the leftover-process check', () => {
  it('finds a loop whose parent is gone (adopted by init, as the MaxSessions loops were), names file and command, and kills it', async () => {
    const parent = startMarked('(while :; do sleep 0.05; done; : orphan-probe) & echo $!')
    const loopPid = await parent.firstLine()
    await parent.exit
    expect(processTable().get(loopPid)?.ppid).not.toBe(parent.child.pid)

    const leftovers = await reapLeftovers(runId, {graceMs: 0})
    expect(leftovers).toContainEqual({pid: loopPid, commandLine: expect.stringContaining('orphan-probe'), testFile: 'probe.test.ts'})
    await waitFor('the loop to be killed', () => runProcesses(runId).length === 0)
  })

  it('finds a process started with an environment of its own below a marked parent', async () => {
    const parent = startMarked('env -i sleep 600 & echo $!; wait')
    const sleepPid = await parent.firstLine()
    await waitFor('env to have started sleep', () => commandLine(sleepPid) === 'sleep 600')
    expect(fs.readFileSync(`/proc/${sleepPid}/environ`, 'utf8')).not.toContain(RUN_ID_VARIABLE)

    expect(runProcesses(runId)).toContainEqual({pid: sleepPid, commandLine: 'sleep 600', testFile: 'probe.test.ts'})
    expect((await reapLeftovers(runId, {graceMs: 0})).map((leftover) => leftover.pid).sort()).toEqual([parent.child.pid, sleepPid].sort())
    await waitFor('both to be killed', () => runProcesses(runId).length === 0)
  })

  it('waits for a process that is finishing instead of killing it', async () => {
    const go = path.join(scratch, 'go')
    const finishing = startMarked(`while [ ! -e ${go} ]; do sleep 0.05; done`)
    // The grace is only an upper bound: the check returns as soon as the process has ended.
    const reaping = reapLeftovers(runId, {graceMs: 120_000})
    fs.writeFileSync(go, '')
    expect(await reaping).toEqual([])
    expect(await finishing.exit).toBe(0)
  })

  it('leaves another run\'s processes alone', async () => {
    const otherRun = `other-${randomUUID()}`
    const other = startMarked('sleep 600', otherRun)
    await waitFor('the other run\'s process to show', () => runProcesses(otherRun).some((found) => found.pid === other.child.pid))
    expect(runProcesses(runId)).toEqual([])
  })

  it('fails `vitest run` and names the process when a passing test leaves one behind', async () => {
    const vitest = killAtTeardown(
      spawn(process.execPath, [path.join(REPOSITORY, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/support/fixtures/leftover-check.vitest.config.ts'], {
        cwd: REPOSITORY,
        env: {...process.env, NO_COLOR: '1'},
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    let output = ''
    vitest.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    vitest.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => vitest.on('close', resolve))

    expect(output).toMatch(/Tests\s+1 passed/)
    expect(code, output).toBe(1)
    expect(output).toMatch(/\d+ process\(es\) started by this test run were still running after every test had finished; killed now:/)
    expect(output).toContain('  test/support/fixtures/leaves-a-process.fixture.ts')
    const leftPid = Number(/pid (\d+): bash -c while :; do sleep 0.05; done # left behind on purpose/.exec(output)?.[1])
    expect(leftPid).toBeGreaterThan(0)
    await waitFor('the check to have killed it', () => !/left behind on purpose/.test(fs.existsSync(`/proc/${leftPid}`) ? fs.readFileSync(`/proc/${leftPid}/cmdline`, 'utf8') : ''))
  })
})
