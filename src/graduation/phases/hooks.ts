import type {HookContext} from '../../hooks/types.js'
import type {HookPhase} from '../../manifest/types.js'
import type {PlannedApp} from '../events.js'
import type {RunContext} from './context.js'

export type HooksResult = {ok: true} | {ok: false; cause: string}

/**
 * Runs one phase's hooks for the planned apps. `signal` stops them (an interrupt, the hold timeout);
 * without one they run to their own timeouts — the released/aborted hooks still run after an interrupt.
 */
export async function runHooks(
  ctx: RunContext,
  plan: PlannedApp[],
  phase: HookPhase,
  options: {outcome?: HookContext['outcome']; signal?: AbortSignal | undefined} = {},
): Promise<HooksResult> {
  const hooks = ctx.resolved.hooks[phase]
  if (hooks.length === 0) return {ok: true}
  if (ctx.hookWorkDir === undefined) throw new Error(`the ${phase} hooks ran outside the deploy phases (no scratch directory)`)
  const result = await ctx.options.runHooks(hooks, hookContext(ctx, plan, phase, options.outcome), {
    connect: async (spec) => (await ctx.hosts.connect(spec, options.signal)).connection,
    emit: (body) => ctx.bus.emit(body),
    workDir: ctx.hookWorkDir,
    ...(options.signal ? {signal: options.signal} : {}),
  })
  ctx.hookResults.push(...result.hooks)
  if (result.ok) return {ok: true}
  return {ok: false, cause: result.cause ?? `the ${phase} hook "${result.failed?.label ?? '?'}" failed`}
}

/** The `released` or `aborted` hooks: their failure is a warning, the outcome stands. */
export async function afterHooks(ctx: RunContext, plan: PlannedApp[], outcome: 'released' | 'aborted'): Promise<void> {
  ctx.bus.emit({type: 'stage', stage: 'after-hooks'})
  const result = await runHooks(ctx, plan, outcome, {outcome})
  if (!result.ok) ctx.bus.emit({type: 'warning', message: `${result.cause}; the graduation's outcome stands`})
}

function hookContext(ctx: RunContext, plan: PlannedApp[], phase: HookPhase, outcome?: HookContext['outcome']): HookContext {
  return {
    id: ctx.options.id,
    from: ctx.resolved.from,
    to: ctx.resolved.to,
    phase,
    ...(outcome === undefined ? {} : {outcome}),
    apps: plan.map((entry) => ({
      app: entry.app,
      source: {host: entry.sourceHost, app: entry.sourceApp, rev: entry.to},
      target: {host: entry.host, app: entry.targetApp, from: entry.from, to: entry.to},
      action: entry.action,
    })),
  }
}
