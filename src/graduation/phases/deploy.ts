import type {PlannedApp} from '../events.js'
import {GateCoordinator, type HostGates} from '../gates.js'
import type {PushResult} from '../transfer.js'
import {type HoldWait, waitForHolds} from '../wait-for-holds.js'
import {type RunContext, journal, oneLine, targetSpec} from './context.js'
import type {Prepared} from './prepare.js'
import {startTransfers} from './transfers.js'

/** The deploys under way: their gates, their transfers, and whether every one reached its hold. */
export interface Deployment {
  gates: GateCoordinator
  pushes: Map<string, Promise<PushResult>>
  /** Once aborted, no transfer that has not started yet may begin a deploy. */
  noMoreTransfers: AbortController
  holds: HoldWait
}

export type DeployResult = {kind: 'deploying'; deployment: Deployment} | {kind: 'arming-failed'; cause: string}

/**
 * Phase 6: arms every gate, deploys every changed app in parallel, and waits until each is held after
 * Dokku's checks (or one fails). When arming fails, every gate armed so far has been told to abort and
 * disarmed, and no push has started.
 */
export async function deployToHolds(ctx: RunContext, prepared: Prepared, changed: PlannedApp[]): Promise<DeployResult> {
  const {bus, resolved} = ctx
  bus.emit({type: 'stage', stage: 'deploy'})
  const gates = new GateCoordinator(ctx.options.id, gateHosts(ctx, changed), {
    leaseSeconds: Math.round(resolved.options.leaseMs / 1000),
    switchWaitSeconds: gateSwitchBoundSeconds(resolved.options.timeouts.switchMs),
    commandMs: ctx.commandMs,
    bus,
    lock: ctx.lock,
  })
  journal(ctx, 'arming', {apps: changed.map((entry) => entry.app)})
  // Fetching from the sources needs no gate, so it starts while the gates are armed; no push starts before they are.
  const noMoreTransfers = new AbortController()
  const arming = gates.arm(new Map(changed.map((entry) => [`${entry.host}/${entry.targetApp}`, entry.to])))
  const pushes = startTransfers(ctx, prepared, changed, noMoreTransfers.signal, arming)
  try {
    await arming
  } catch (error) {
    noMoreTransfers.abort()
    await Promise.allSettled(pushes.values())
    // Some gates may already be armed: tell each of them, so nothing waits for a lease to end.
    await gates.decide('abort')
    await gates.disarm()
    return {kind: 'arming-failed', cause: `arming the gates failed: ${oneLine(error)}`}
  }
  gates.startRenewals()

  const signal = ctx.options.signal
  const holds = await waitForHolds({apps: changed, pushes, gates, tracker: prepared.tracker, deadlineMs: resolved.options.timeouts.deployMs, ...(signal ? {signal} : {})})
  return {kind: 'deploying', deployment: {gates, pushes, noMoreTransfers, holds}}
}

function gateHosts(ctx: RunContext, changed: PlannedApp[]): HostGates[] {
  const byHost = new Map<string, HostGates>()
  for (const entry of changed) {
    const host = ctx.hosts.get(targetSpec(ctx, entry.app))
    const group = byHost.get(host.label) ?? {host, apps: []}
    group.apps.push(entry.targetApp)
    byHost.set(host.label, group)
  }
  return [...byHost.values()]
}

/**
 * How long a released deploy may wait at the nginx switch before it reloads on its own: twice graduate's
 * own wait, so that while graduate runs its switch normally comes first (an app that reaches the switch
 * more than this before the last of its host's apps still goes alone, and says so), and a deploy whose
 * graduate died switches soon after.
 */
function gateSwitchBoundSeconds(switchMs: number): number {
  return 2 * Math.ceil(switchMs / 1000)
}
