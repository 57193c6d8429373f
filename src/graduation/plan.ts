import type {ResolvedApp} from '../manifest/types.js'
import {computeDrift} from './drift.js'
import type {PlannedApp} from './events.js'
import {hostKey} from '../manifest/host.js'
import type {PreflightFacts} from './preflight.js'

/**
 * Phase 4, pure: for each app, what the source runs (a git revision, or an image pinned by digest)
 * against what the target runs, and how the two apps' settings differ. An app whose target already
 * runs it is skipped — pushing the same sha, or deploying the same image, deploys nothing on Dokku.
 */
export function planApps(apps: ResolvedApp[], facts: PreflightFacts, driftAllowed: Record<string, string[]>): PlannedApp[] {
  return apps.map((app) => {
    const source = facts.sources.get(app.name)
    const target = facts.targets.get(app.name)
    if (!source || !target) throw new Error(`graduate bug: no preflight facts for ${app.name}`)
    return {
      app: app.name,
      host: hostKey(app.target.host),
      targetApp: app.target.app,
      sourceHost: hostKey(app.source.host),
      sourceApp: app.source.app,
      from: target.artifact,
      to: source.promoted,
      strategy: source.strategy,
      action: target.artifact === source.promoted ? 'skip' : 'deploy',
      drift: computeDrift(source, target, driftAllowed[app.name] ?? []),
    }
  })
}
