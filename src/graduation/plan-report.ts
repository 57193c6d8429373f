import {loadManifest, resolveGraduation} from '../manifest/index.js'
import {withSession} from '../session.js'
import {EventBus, type PlannedApp} from './events.js'
import {cacheDir} from './journal.js'
import {promotionPlanner} from './planner.js'
import {survey} from './phases/prepare.js'
import type {Problem} from './preflight.js'
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
    // The graduation's own preparation, run dry: what it reads, checks and plans, every problem reported.
    const {plan, problems} = await survey({
      resolved,
      hosts,
      bus,
      planner: promotionPlanner,
      commandMs: resolved.options.timeouts.commandMs,
      cacheRepo: cacheRepoFor(cacheDir(), resolved.manifestPath),
      forAPerson: true,
      acceptDrift: false,
    })
    return {from: resolved.from, to: resolved.to, skippedEnvironments: resolved.skipped, apps: plan, problems, warnings}
  })
}
