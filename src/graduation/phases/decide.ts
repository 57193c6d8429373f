import type {PlannedApp} from '../events.js'
import type {GateCoordinator} from '../gates.js'
import {type RunContext, journal} from './context.js'
import type {Deployment} from './deploy.js'
import {runHooks} from './hooks.js'
import type {Prepared} from './prepare.js'

/** The one decision of a graduation: every app goes live, or none does. */
export type Decision = {kind: 'release'} | {kind: 'abort'; cause: string; interrupted: boolean}

/**
 * Phases 7–8: with every app held, the POST (or rollback) hooks under the hold timeout, then one last look
 * that every hold is still in place. The decision is journalled and announced before anyone acts on it;
 * once it is to abort, no transfer that has not started may start.
 */
export async function decide(ctx: RunContext, prepared: Prepared, changed: PlannedApp[], deployment: Deployment): Promise<Decision> {
  const decision = await reachDecision(ctx, prepared, changed, deployment)
  const cause = decision.kind === 'abort' ? {cause: decision.cause} : {}
  journal(ctx, 'decided', {decision: decision.kind, ...cause})
  if (decision.kind === 'abort') deployment.noMoreTransfers.abort()
  ctx.bus.emit({type: 'decision', decision: decision.kind, ...(decision.kind === 'abort' ? {reason: decision.cause} : {})})
  return decision
}

async function reachDecision(ctx: RunContext, prepared: Prepared, changed: PlannedApp[], {holds, gates}: Deployment): Promise<Decision> {
  const {bus, resolved, planner, options} = ctx
  if (!holds.ok) return {kind: 'abort', cause: holds.cause, interrupted: holds.interrupted}
  bus.emit({type: 'stage', stage: 'post-hooks'})
  journal(ctx, 'post-hooks')
  // The hold timeout stops the POST hooks themselves, not just the wait for them.
  const holdLimit = AbortSignal.timeout(resolved.options.timeouts.holdMs)
  const post = await runHooks(ctx, prepared.plan, planner.holdPhase, {signal: options.signal ? AbortSignal.any([options.signal, holdLimit]) : holdLimit})
  if (!post.ok) {
    const cause = holdLimit.aborted
      ? `the ${planner.holdPhase === 'post' ? 'POST' : 'rollback'} hooks did not finish within the hold timeout (${Math.round(resolved.options.timeouts.holdMs / 1000)} s)`
      : post.cause
    return {kind: 'abort', cause, interrupted: Boolean(options.signal?.aborted) && !holdLimit.aborted}
  }
  if (options.signal?.aborted) return {kind: 'abort', cause: 'interrupted before the decision', interrupted: true}
  // Only a hold that is still in place can be released: a gate whose lease ran out while the hooks ran
  // has aborted its deploy already, and releasing the others would leave a mixed environment.
  const lapsed = await lapsedHolds(prepared, gates, changed)
  if (lapsed !== undefined) return {kind: 'abort', cause: lapsed, interrupted: false}
  return {kind: 'release'}
}

/** Why some held deploy can no longer be released (its gate ended the hold), or undefined when every one still waits. */
async function lapsedHolds({tracker}: Prepared, gates: GateCoordinator, changed: PlannedApp[]): Promise<string | undefined> {
  const statuses = await gates.status()
  for (const entry of changed) {
    const status = statuses.get(`${entry.host}/${entry.targetApp}`)
    if (status === undefined) return `${entry.host} could not confirm that ${entry.app} is still held`
    if (status.state !== 'held') {
      tracker.set(entry.app, 'failed', `${entry.app}'s gate on ${entry.host} is ${status.state}${status.reason ? ` (${status.reason})` : ''}`)
      return `${entry.app} on ${entry.host} is no longer held (${status.state}) when the release was due`
    }
  }
  return undefined
}
