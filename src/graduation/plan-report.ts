import {loadManifest, resolveGraduation} from '../manifest/index.js'
import {withSession} from '../session.js'
import {describeRevisions} from './describe-plan.js'
import {EventBus, type PlannedApp} from './events.js'
import {cacheDir} from './journal.js'
import {planApps} from './plan.js'
import {promotionPlanner} from './planner.js'
import {type Problem, inspect} from './preflight.js'
import {cacheRepoFor} from './transfer.js'

export interface PlanRequest {
  manifestPath: string
  from: string
  to: string
  only?: string[] | undefined
  /** --accept-new-host-keys: an unknown host key is accepted and recorded (a changed one never is). */
  acceptNewHostKeys?: boolean
}

/** What `graduate <from> <to>` would do, and why it would refuse if it would. */
export interface PlanReport {
  from: string
  to: string
  /** Environments between the two, which a graduation passes over. */
  skippedEnvironments: string[]
  /** Apps whose source and target could both be read. */
  apps: PlannedApp[]
  /** What would stop the graduation (exit 3), each with its fix. */
  problems: Problem[]
  /** What it would report and go on with. */
  warnings: Problem[]
}

/**
 * `graduate plan <from> <to>`: the graduation's connect, preflight and plan — every check it makes and
 * everything its confirmation shows — without the lock or any change. The source revisions are
 * fetched into the local git cache for their commit subjects (a read, like `git fetch`).
 */
export async function planGraduation(request: PlanRequest): Promise<PlanReport> {
  const manifest = await loadManifest(request.manifestPath)
  const resolved = resolveGraduation(manifest, request.from, request.to, request.only ? {only: request.only} : {})
  const bus = new EventBus('plan', resolved.to)
  const warnings: Problem[] = []
  bus.subscribe((event) => {
    if (event.type === 'problem' && event.severity === 'warning') warnings.push({host: event.host, ...(event.app ? {app: event.app} : {}), message: event.message, ...(event.fix ? {fix: event.fix} : {})})
    if (event.type === 'warning') warnings.push({host: event.host ?? '', ...(event.app ? {app: event.app} : {}), message: event.message})
  })
  return withSession({bus: bus, connectTimeoutMs: resolved.options.timeouts.connectMs, acceptNewHostKeys: request.acceptNewHostKeys}, async (hosts) => {
    await hosts.connectAll(resolved.apps.flatMap((app) => [app.source.host, app.target.host]))
    const {facts, problems} = await inspect(resolved.apps, {
      hosts,
      bus,
      commandMs: resolved.options.timeouts.commandMs,
      detail: 'all',
      driftAllowed: resolved.driftAllowed,
      acceptDrift: false,
      readSources: true,
      targetEnv: resolved.to,
    })
    const readable = resolved.apps.filter((app) => facts.sources.has(app.name) && facts.targets.has(app.name))
    const apps = await describeRevisions(planApps(readable, facts, resolved.driftAllowed), {
      repo: cacheRepoFor(cacheDir(), resolved.manifestPath),
      originsFor: (entry) => promotionPlanner.origins(entry, {resolved, facts, hosts}),
      timeoutMs: resolved.options.timeouts.deployMs,
      warn: (entry, message) => warnings.push({host: entry.host, app: entry.app, message}),
    })
    return {from: resolved.from, to: resolved.to, skippedEnvironments: resolved.skipped, apps, problems, warnings}
  })
}
