import type {HostSpec, ResolvedGraduation} from '../../manifest/types.js'
import type {EventBus, HookSummary} from '../events.js'
import type {GraduateOptions} from '../graduate.js'
import {HostDirectory} from '../hosts.js'
import {type LockSpec, unlockEnvironment} from '../lock.js'
import {type Planner, promotionPlanner} from '../planner.js'
import type {DokkuHost} from '../../remote/dokku-host.js'
import {cacheRepoFor} from '../transfer.js'

/**
 * What every phase of one graduation works with, built once. The only state that changes over the run is
 * what must be undone whatever happens — the hosts still locked, the hooks' scratch directory — and the
 * hooks that ran, for the summary; what a phase learns (facts, plan, decision) is its return value.
 */
export interface RunContext {
  readonly resolved: ResolvedGraduation
  readonly options: GraduateOptions
  readonly bus: EventBus
  readonly hosts: HostDirectory
  readonly lock: LockSpec
  readonly planner: Planner
  readonly cacheRepo: string
  readonly commandMs: number
  readonly started: number
  readonly hookResults: HookSummary[]
  /** Target hosts whose environment lock this run holds. */
  locked: DokkuHost[]
  /** The hooks' scratch directory, while the deploy phases run. */
  hookWorkDir?: string
}

export function createRunContext(resolved: ResolvedGraduation, options: GraduateOptions): RunContext {
  const commandMs = resolved.options.timeouts.commandMs
  return {
    resolved,
    options,
    bus: options.bus,
    hosts: new HostDirectory(options.transport, options.bus, {
      connectTimeoutMs: resolved.options.timeouts.connectMs,
      ...(options.acceptNewHostKeys === undefined ? {} : {acceptNewHostKeys: options.acceptNewHostKeys}),
    }),
    lock: {
      env: resolved.to,
      id: options.id,
      owner: options.owner,
      // The lock outlives a dead runner by at most one lease period, like its gates; a running graduation
      // refreshes it a third of a lease apart.
      ttlSeconds: Math.max(10, Math.round(resolved.options.leaseMs / 1000)),
      commandMs,
    },
    planner: options.planner ?? promotionPlanner,
    cacheRepo: cacheRepoFor(options.cacheDir, resolved.manifestPath),
    commandMs,
    started: Date.now(),
    hookResults: [],
    locked: [],
  }
}

/** Releases the environment lock once; later calls do nothing. */
export async function unlock(ctx: RunContext): Promise<void> {
  const locked = ctx.locked
  ctx.locked = []
  if (locked.length > 0) await unlockEnvironment(locked, ctx.lock, ctx.bus)
}

export function journal(ctx: RunContext, step: string, details: Record<string, unknown> = {}): void {
  ctx.options.journal.write(step, details)
}

export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.replace(/\s*\n\s*/g, '; ')
}

/** The target host of an app of the manifest. */
export function targetSpec(ctx: RunContext, app: string): HostSpec {
  return ctx.resolved.apps.find((candidate) => candidate.name === app)!.target.host
}
