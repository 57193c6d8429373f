import {UsageError} from '../errors.js'
import {parseDuration} from '../manifest/duration.js'
import type {ResolvedOptions} from '../manifest/types.js'

/** Command-line flags that override the manifest's options for one run. */
export interface OptionOverrides {
  concurrency?: number | undefined
  deployTimeout?: string | undefined
  holdTimeout?: string | undefined
  hookTimeout?: string | undefined
  switchTimeout?: string | undefined
  lease?: string | undefined
}

function switchMs(ms: number, flag: string | undefined): number {
  if (ms < 1000) throw new UsageError(`--switch-timeout ${flag}: the switch wait is counted in whole seconds; give at least 1s`, 'for example --switch-timeout 30s')
  return ms
}

export function applyOverrides(options: ResolvedOptions, overrides: OptionOverrides): ResolvedOptions {
  const duration = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback
    const parsed = parseDuration(/^\d+$/.test(value) ? Number(value) : value)
    if (!parsed.ok) throw new UsageError(`--${flag} ${value}: ${parsed.problem}`, `for example --${flag} 10m`)
    return parsed.ms
  }
  const leaseMs = duration('lease', overrides.lease, options.leaseMs)
  if (leaseMs % 1000 !== 0) throw new UsageError(`--lease ${overrides.lease}: the gate counts whole seconds`, 'for example --lease 90s')
  return {
    concurrency: overrides.concurrency ?? options.concurrency,
    leaseMs,
    timeouts: {
      ...options.timeouts,
      deployMs: duration('deploy-timeout', overrides.deployTimeout, options.timeouts.deployMs),
      holdMs: duration('hold-timeout', overrides.holdTimeout, options.timeouts.holdMs),
      hookMs: duration('hook-timeout', overrides.hookTimeout, options.timeouts.hookMs),
      switchMs: switchMs(duration('switch-timeout', overrides.switchTimeout, options.timeouts.switchMs), overrides.switchTimeout),
    },
  }
}
