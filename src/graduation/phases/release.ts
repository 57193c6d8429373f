import {deferred} from '../../deferred.js'
import {ExitCode} from '../../exit-codes.js'
import type {HostSwitch, PlannedApp} from '../events.js'
import type {DecisionFailure, GateCoordinator} from '../gates.js'
import {awaitReleaseTail} from '../release-tail.js'
import type {DokkuHost} from '../../remote/dokku-host.js'
import {settleAndDisarm} from '../settle-gates.js'
import {switchTogether} from '../switch.js'
import {verifyReleased} from '../verify.js'
import {type RunContext, oneLine, targetSpec} from './context.js'
import type {Deployment} from './deploy.js'
import type {Prepared} from './prepare.js'
import {type Settled, disarmGates} from './settled.js'

/**
 * Phase 9, release: every gate lets its deploy go; each host's apps wait at their nginx switch and
 * switch together; every deploy is awaited to its own end under the deploy timeout; then what serves
 * traffic is verified. Partial only when an app did not go live.
 */
export async function releaseAll(ctx: RunContext, prepared: Prepared, changed: PlannedApp[], {gates, pushes}: Deployment): Promise<Settled> {
  const {bus, resolved} = ctx
  const {tracker} = prepared
  const hostFor = (entry: PlannedApp) => ctx.hosts.get(targetSpec(ctx, entry.app))
  bus.emit({type: 'stage', stage: 'release'})
  for (const entry of changed) tracker.set(entry.app, 'releasing')
  const undelivered = new Map<string, DecisionFailure>()
  const deadline = Date.now() + resolved.options.timeouts.deployMs
  // Each host is asked about its switch as soon as its gates hold the release, not after the slowest host.
  const delivery = new Map(gates.armed.map((host) => [host.host.label, deferred<boolean>()]))
  const switching = switchHosts(ctx, prepared, gates, (host) => delivery.get(host)!.promise, deadline)
  for (const failure of await gates.decide('release', (host, delivered) => delivery.get(host)?.resolve(delivered))) {
    undelivered.set(failure.host, failure)
    bus.emit({
      type: 'warning',
      host: failure.host,
      message: `could not deliver the release to ${failure.apps.join(', ')} before their lease ended at ${failure.leaseEndsAt.toISOString()} (${failure.error.message}); those apps stay on their old release`,
    })
  }
  const tail = await awaitReleaseTail({
    entries: changed,
    pushes,
    deadline,
    // A host the release never reached cannot be asked either; its gate ends the hold at its lease's end.
    awaitDeployEnd: async (entry, deadline) => undelivered.has(hostFor(entry).label) || awaitDeployEnd(ctx, hostFor(entry), entry.targetApp, deadline),
    onWaiting: (apps, sinceDecisionMs) => bus.emit({type: 'deploys-running', apps, sinceDecisionMs}),
  })
  const switched = await switching
  bus.emit({type: 'stage', stage: 'verify'})
  const disarming = disarmGates(gates)
  const warn = (message: string) => bus.emit({type: 'warning', message})
  const repair = (app: string) => ctx.planner.repair(app, resolved)
  const partial = await verifyReleased(changed, {tail, undelivered, deployTimeoutMs: resolved.options.timeouts.deployMs}, hostFor, tracker, {commandMs: ctx.commandMs, repair, warn})
  if (partial.length === 0) return {outcome: 'graduated', exitCode: ExitCode.Graduated, switched, disarming}
  return {outcome: 'partial', exitCode: ExitCode.Partial, cause: `${partial.join(', ')} did not go live after the release was decided`, switched, disarming}
}

/**
 * Whether Dokku finished the app's deploy before `deadline`, for a deploy whose stream was cut: the
 * gate refuses to disarm an app while Dokku's deploy lock is held, so a successful disarm means the
 * deploy has ended. A host that cannot be asked is asked again until the deadline.
 */
async function awaitDeployEnd(ctx: RunContext, host: DokkuHost, app: string, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      const left = await settleAndDisarm(host, ctx.options.id, [app], {commandMs: ctx.commandMs, deadline})
      return left.length === 0
    } catch (error) {
      if (Date.now() + 2000 >= deadline) {
        ctx.bus.emit({type: 'warning', host: host.label, app, message: `could not ask whether Dokku finished deploying ${app}: ${oneLine(error)}`})
        return false
      }
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
}

/**
 * The second hold point: once every released deploy is at its nginx reload, one switch to every host
 * at once. Reports which apps each host switched together and warns about any that went alone.
 */
async function switchHosts(ctx: RunContext, {plan}: Prepared, gates: GateCoordinator, delivered: (host: string) => Promise<boolean>, deadline: number): Promise<HostSwitch[]> {
  const started = Date.now()
  const nameOf = (host: string, app: string) => plan.find((entry) => entry.host === host && entry.targetApp === app)?.app ?? app
  const reached = new Set<string>()
  const deliveredTo = async (host: string) => {
    const arrived = await delivered(host)
    if (arrived) reached.add(host)
    return arrived
  }
  const switched = await switchTogether({id: ctx.options.id, hosts: [...gates.armed], delivered: deliveredTo, waitMs: ctx.resolved.options.timeouts.switchMs, deadline, commandMs: ctx.commandMs, nameOf})
  ctx.bus.emit({type: 'switch', hosts: switched, waitedMs: Date.now() - started})
  // A host the release never reached has a warning of its own (its apps stay on their old release).
  for (const host of switched.filter((host) => reached.has(host.host))) {
    for (const {app, why} of host.alone) ctx.bus.emit({type: 'warning', host: host.host, app, message: `${app} did not switch together with the others: ${why}`})
  }
  return switched
}
