import {ExitCode} from '../../exit-codes.js'
import type {PlannedApp} from '../events.js'
import {awaitReleaseTail} from '../release-tail.js'
import {verifyAborted} from '../verify.js'
import {type RunContext, targetSpec} from './context.js'
import type {Decision} from './decide.js'
import type {Deployment} from './deploy.js'
import type {Prepared} from './prepare.js'
import {type Settled, disarmGates} from './settled.js'

/**
 * Phase 9, abort: every gate ends its deploy, which leaves the old release serving; each deploy's end is
 * awaited (so its gate can be disarmed) under the deploy timeout, then nothing new is verified live.
 * Partial only when an app went live anyway.
 */
export async function abortAll(ctx: RunContext, prepared: Prepared, changed: PlannedApp[], {gates, pushes}: Deployment, decision: Extract<Decision, {kind: 'abort'}>): Promise<Settled> {
  const {bus, resolved} = ctx
  const {tracker} = prepared
  bus.emit({type: 'stage', stage: 'abort'})
  for (const entry of changed) if (tracker.state(entry.app) !== 'failed') tracker.set(entry.app, 'aborting')
  for (const failure of await gates.decide('abort')) {
    bus.emit({
      type: 'warning',
      host: failure.host,
      message: `could not tell ${failure.host} to abort ${failure.apps.join(', ')} (${failure.error.message}); its gates abort on their own by ${failure.leaseEndsAt.toISOString()}, when their lease ends`,
    })
  }
  // An aborted deploy ends soon after its gate lets go (the gate then removes its containers); its
  // end is awaited so the gates can be disarmed, under the same bound as a released one.
  await awaitReleaseTail({
    entries: changed,
    pushes,
    deadline: Date.now() + resolved.options.timeouts.deployMs,
    onWaiting: (apps, sinceDecisionMs) => bus.emit({type: 'deploys-running', apps, sinceDecisionMs}),
  })
  bus.emit({type: 'stage', stage: 'verify'})
  const disarming = disarmGates(gates)
  const hostFor = (entry: PlannedApp) => ctx.hosts.get(targetSpec(ctx, entry.app))
  const repair = (app: string) => ctx.planner.repair(app, resolved)
  const wentLive = await verifyAborted(changed, hostFor, tracker, {commandMs: ctx.commandMs, repair})
  if (wentLive.length > 0) return {outcome: 'partial', exitCode: ExitCode.Partial, cause: `${decision.cause}, but ${wentLive.join(', ')} went live anyway`, disarming}
  if (decision.interrupted) return {outcome: 'interrupted', exitCode: ExitCode.Interrupted, cause: decision.cause, disarming}
  return {outcome: 'aborted', exitCode: ExitCode.Aborted, cause: decision.cause, disarming}
}
