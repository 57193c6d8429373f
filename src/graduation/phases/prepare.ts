import {AppTracker} from '../apps.js'
import {describeRevisions} from '../describe-plan.js'
import type {PlannedApp} from '../events.js'
import {distinctHosts} from '../hosts.js'
import {lockEnvironment, warnIfLocked} from '../lock.js'
import {type PreflightFacts, preflight} from '../preflight.js'
import {type RunContext, journal} from './context.js'

/** What the preparation learnt: the hosts' facts, the plan, and the tracker of every planned app. */
export interface Prepared {
  facts: PreflightFacts
  plan: PlannedApp[]
  tracker: AppTracker
}

/**
 * Phases 1–3: connect, preflight, plan. Read-only: nothing on any host changes.
 */
export async function prepare(ctx: RunContext): Promise<Prepared> {
  const {resolved, bus, options, planner, hosts} = ctx
  bus.emit({type: 'stage', stage: 'connect'})
  await hosts.connectAll(resolved.apps.flatMap((app) => (planner.readSources ? [app.source.host, app.target.host] : [app.target.host])), options.signal)
  bus.emit({type: 'stage', stage: 'preflight'})
  // What a person reads before saying yes (or instead, in a dry run) is worth a few more reads.
  const forAPerson = options.dryRun || options.confirm !== undefined
  const facts = await preflight(resolved.apps, {
    hosts,
    bus,
    commandMs: ctx.commandMs,
    signal: options.signal,
    detail: forAPerson ? 'all' : 'minimal',
    driftAllowed: resolved.driftAllowed,
    acceptDrift: options.acceptDrift === true,
    readSources: planner.readSources,
    targetEnv: resolved.to,
  })
  const context = {resolved, facts, hosts}
  let plan = await planner.plan({...context, commandMs: ctx.commandMs, signal: options.signal})
  if (forAPerson) {
    plan = await describeRevisions(plan, {
      repo: ctx.cacheRepo,
      originsFor: (entry) => planner.origins(entry, context),
      timeoutMs: resolved.options.timeouts.deployMs,
      signal: options.signal,
      warn: (entry, message) => bus.emit({type: 'warning', host: entry.host, app: entry.app, message}),
    })
  }
  return {facts, plan, tracker: new AppTracker(plan, bus)}
}

/**
 * Phase 4: takes the environment lock on every target host (a dry run only reads whether a run now would
 * find it held), then announces the plan.
 */
export async function lockTargets(ctx: RunContext, {plan}: Prepared): Promise<void> {
  const {resolved, bus, options, hosts} = ctx
  const targets = distinctHosts(resolved.apps.map((app) => app.target.host)).map((spec) => hosts.get(spec))
  if (options.dryRun) {
    // A dry run changes nothing on any host, the lock included: it only reads whether a run now would find it held.
    await warnIfLocked(targets, ctx.lock, bus)
  } else {
    bus.emit({type: 'stage', stage: 'lock'})
    ctx.locked = await lockEnvironment(targets, ctx.lock, bus)
  }
  bus.emit({type: 'stage', stage: 'plan'})
  bus.emit({type: 'plan', apps: plan, skippedEnvironments: resolved.skipped})
  journal(ctx, 'planned', {apps: plan.map(({app, host, targetApp, from, to, action}) => ({app, host, targetApp, from, to, action}))})
}
