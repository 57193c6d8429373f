import type {HookSummary} from './types.js'
import type {ResolvedHook} from '../manifest/types.js'
import type {HookEnd} from './runner.js'

export interface HookVerdict {
  result: Exclude<HookSummary['result'], 'skipped'>
  exitCode: number | null
  /** One line naming the hook and what went wrong; absent when it succeeded. */
  message?: string
}

/**
 * What a hook's end means for its phase. A `stopped` hook timed out unless the graduation was aborted
 * first. Messages name the hook, never its command or environment.
 */
export function judgeHookEnd(hook: ResolvedHook, end: HookEnd, stoppedBy: 'timeout' | 'abort'): HookVerdict {
  const name = `${hook.phase} hook "${hook.label}"`
  switch (end.kind) {
    case 'exited':
      return end.exitCode === 0
        ? {result: 'ok', exitCode: 0}
        : {result: 'failed', exitCode: end.exitCode, message: `${name} failed with exit code ${end.exitCode}`}
    case 'killed':
      return {result: 'failed', exitCode: null, message: `${name} failed: it was killed by ${end.signal}`}
    case 'stopped':
      return stoppedBy === 'timeout'
        ? {result: 'timeout', exitCode: null, message: `${name} timed out after ${formatDuration(hook.timeoutMs)}: ${end.how}`}
        : {result: 'failed', exitCode: null, message: `${name} was interrupted: ${end.how}`}
    case 'lost':
      return {
        result: 'failed',
        exitCode: null,
        message: `${name} failed: the connection to ${end.host} dropped while it ran, so whether it finished there is unknown`,
      }
    case 'failed-to-run':
      return {result: 'failed', exitCode: null, message: `${name} could not run: ${end.reason}`}
  }
}

/** `300 ms`, `1.5 s`, `30 min`, `1 h 30 min`: a timeout as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`
  const totalSeconds = Math.round(ms / 1000)
  const parts = [
    [Math.floor(totalSeconds / 3600), 'h'],
    [Math.floor((totalSeconds % 3600) / 60), 'min'],
    [totalSeconds % 60, 's'],
  ] as const
  return parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount} ${unit}`)
    .join(' ')
}
