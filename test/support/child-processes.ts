import type {ChildProcess} from 'node:child_process'
import {onTestFinished, TestRunner} from 'vitest'
import {killChildFamily, killFamilies, leadsProcessGroup, orphanedGroupMembers, type ProcessEntry, stillRunning} from './process-tree.js'

const started = new Map<ChildProcess, () => void>()

/**
 * Ties a child a test starts to that test: when the test ends, passed or failed, the child and
 * everything under it (the process groups they lead included) is killed unless it already ended. A
 * child started outside a test (in beforeAll) is killed when its file ends (kill-children-after-file.ts).
 *
 * A child that led a process group of its own and has ended may have left members of the group
 * running, adopted by init: those present when it ended are killed too. They are remembered by pid
 * and start time when it ends, because by teardown its pid (and so the group's id) may name a new
 * process: on a busy machine 32768 pids go round within a test.
 */
export function killAtTeardown<T extends ChildProcess>(child: T): T {
  const ledGroup = child.pid !== undefined && leadsProcessGroup(child.pid)
  let leftInGroup: ProcessEntry[] = []
  if (ledGroup) child.once('exit', () => (leftInGroup = orphanedGroupMembers(child.pid!)))
  const kill = () => {
    started.delete(child)
    killChildFamily(child)
    const alive = leftInGroup.filter(stillRunning)
    if (alive.length > 0) killFamilies(alive.map((entry) => entry.pid))
  }
  started.set(child, kill)
  if (TestRunner.getCurrentTest()) onTestFinished(kill)
  return child
}

/** Kills every child {@link killAtTeardown} still tracks. */
export function killStartedChildren(): void {
  for (const kill of [...started.values()]) kill()
}
