import type {ChildProcess} from 'node:child_process'
import {onTestFinished, TestRunner} from 'vitest'
import {killChildFamily} from './process-tree.js'

const started = new Set<ChildProcess>()

/**
 * Ties a child a test starts to that test: when the test ends, passed or failed, the child and
 * everything under it (its process group included) is killed unless it already ended. A child
 * started outside a test (in beforeAll) is killed when its file ends (kill-children-after-file.ts).
 */
export function killAtTeardown<T extends ChildProcess>(child: T): T {
  started.add(child)
  if (TestRunner.getCurrentTest()) {
    onTestFinished(() => {
      started.delete(child)
      killChildFamily(child)
    })
  }
  return child
}

/** Kills every child {@link killAtTeardown} still tracks. */
export function killStartedChildren(): void {
  for (const child of started) killChildFamily(child)
  started.clear()
}
