import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {killAtTeardown, killStartedChildren} from './child-processes.js'
import {commandLine, isAlive, processTable} from './process-tree.js'
import {waitFor} from './sim-client.js'

/*
 * What killAtTeardown kills when a test ends (here called at once through killStartedChildren, which
 * the file-end hook uses too): the child with everything under it, and what a detached child left in
 * its process group after it ended.
 */
/** Starts `bash -c script` and returns the pid it prints first. */
async function startPrinting(script: string, detached: boolean) {
  const child = killAtTeardown(spawn('bash', ['-c', script], {stdio: ['ignore', 'pipe', 'ignore'], detached}))
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const printed = await waitFor('a pid on stdout', () => /^(\d+)\n/.exec(stdout)?.[1])
  return {child, exited, printed: Number(printed)}
}

describe('killAtTeardown', () => {
  it('kills the child and a descendant that moved to a session of its own', async () => {
    const {child, printed: escaped} = await startPrinting('setsid sleep 600 & echo $!; wait', false)
    await waitFor('setsid to have started sleep', () => commandLine(escaped) === 'sleep 600')
    expect(processTable().get(escaped)?.pgid).not.toBe(processTable().get(child.pid!)?.pgid)

    killStartedChildren()
    await waitFor('both to be gone', () => !isAlive(child.pid!) && !isAlive(escaped))
  })

  it('kills what a detached child left running in its process group after it ended', async () => {
    const {exited, printed: loop} = await startPrinting('(while :; do sleep 0.05; done) & echo $!', true)
    await exited
    expect(isAlive(loop)).toBe(true)

    killStartedChildren()
    await waitFor('the loop left in the group to be gone', () => !isAlive(loop))
  })
})
