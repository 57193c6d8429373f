import type {ResolvedApp} from '../manifest/types.js'
import {computeDrift} from './drift.js'
import type {PlannedApp} from './events.js'
import {hostKey} from './hosts.js'
import type {PreflightFacts} from './preflight.js'

/**
 * Phase 4, pure: for each app, the source's revision against the target's, and how the two apps'
 * settings differ. An app whose target already runs the source's revision is skipped — pushing the
 * same sha deploys nothing on Dokku.
 */
export function planApps(apps: ResolvedApp[], facts: PreflightFacts, driftAllowed: Record<string, string[]>): PlannedApp[] {
  return apps.map((app) => {
    const source = facts.sources.get(app.name)
    const target = facts.targets.get(app.name)
    if (!source?.rev || !target) throw new Error(`graduate bug: no preflight facts for ${app.name}`)
    return {
      app: app.name,
      host: hostKey(app.target.host),
      targetApp: app.target.app,
      sourceHost: hostKey(app.source.host),
      sourceApp: app.source.app,
      from: target.rev,
      to: source.rev,
      action: target.rev === source.rev ? 'skip' : 'deploy',
      drift: computeDrift(source, target, driftAllowed[app.name] ?? []),
    }
  })
}
