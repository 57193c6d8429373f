import type {ResolvedGraduation} from '../../manifest/types.js'
import {AppTracker} from '../apps.js'
import {describeRevisions} from '../describe-plan.js'
import type {EventBus, PlannedApp} from '../events.js'
import {distinctHosts} from '../../manifest/host.js'
import type {HostDirectory} from '../hosts.js'
import {lockEnvironment, warnIfLocked} from '../lock.js'
import type {Planner} from '../planner.js'
import {type PreflightFacts, type Problem, inspect, refusal} from '../preflight.js'
import {type RunContext, journal} from './context.js'

/** What the preparation learnt: the hosts' facts, the plan, and the tracker of every planned app. */
export interface Prepared {
  facts: PreflightFacts
  plan: PlannedApp[]
  tracker: AppTracker
}

/** What the preparation needs: a graduation's context has it all, and `graduate plan` builds it alone. */
export interface PrepareInput {
  resolved: ResolvedGraduation
  hosts: HostDirectory
  bus: EventBus
  planner: Planner
  commandMs: number
  cacheRepo: string
  signal?: AbortSignal | undefined
  /** A person reads the plan (a dry run, a confirmation, `graduate plan`): worth a few more reads. */
  forAPerson: boolean
  /** --accept-drift: config keys the target lacks are warnings, not problems. */
  acceptDrift: boolean
}

/** A graduation's preparation input, from its context. */
export function prepareInput(ctx: RunContext): PrepareInput {
  const {resolved, hosts, bus, planner, commandMs, cacheRepo, options} = ctx
  return {resolved, hosts, bus, planner, commandMs, cacheRepo, signal: options.signal, forAPerson: options.dryRun || options.confirm !== undefined, acceptDrift: options.acceptDrift === true}
}

/**
 * Phases 1–3: connect, preflight, plan. Read-only: nothing on any host changes. Any problem refuses the
 * graduation (PreflightError, exit 3) before a plan is made.
 */
export async function prepare(input: PrepareInput): Promise<Prepared> {
  const {facts, problems} = await inspectHosts(input)
  if (problems.length > 0) throw refusal(problems)
  return planFor(input, input.resolved, facts)
}

/**
 * The same preparation for `graduate plan`: every problem is reported instead of refusing, and the apps
 * whose source and target could both be read are planned.
 */
export async function survey(input: PrepareInput): Promise<Prepared & {problems: Problem[]}> {
  const {facts, problems} = await inspectHosts(input)
  const readable = input.resolved.apps.filter((app) => facts.sources.has(app.name) && facts.targets.has(app.name))
  return {...(await planFor(input, {...input.resolved, apps: readable}, facts)), problems}
}

async function inspectHosts(input: PrepareInput): Promise<{facts: PreflightFacts; problems: Problem[]}> {
  const {resolved, bus, planner, hosts, signal} = input
  bus.emit({type: 'stage', stage: 'connect'})
  await hosts.connectAll(resolved.apps.flatMap((app) => (planner.readSources ? [app.source.host, app.target.host] : [app.target.host])), signal)
  bus.emit({type: 'stage', stage: 'preflight'})
  return inspect(resolved.apps, {
    hosts,
    bus,
    commandMs: input.commandMs,
    signal,
    detail: input.forAPerson ? 'all' : 'minimal',
    driftAllowed: resolved.driftAllowed,
    acceptDrift: input.acceptDrift,
    readSources: planner.readSources,
    targetEnv: resolved.to,
  })
}

async function planFor(input: PrepareInput, resolved: ResolvedGraduation, facts: PreflightFacts): Promise<Prepared> {
  const {bus, planner, hosts, signal} = input
  const context = {resolved, facts, hosts}
  let plan = await planner.plan({...context, commandMs: input.commandMs, signal})
  if (input.forAPerson) {
    plan = await describeRevisions(plan, {
      repo: input.cacheRepo,
      originsFor: (entry) => planner.origins(entry, context),
      timeoutMs: resolved.options.timeouts.deployMs,
      signal,
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
