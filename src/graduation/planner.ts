import type {ResolvedApp, ResolvedGraduation} from '../manifest/types.js'
import type {PlannedApp} from './events.js'
import type {HostDirectory} from './hosts.js'
import {planApps} from './plan.js'
import type {PreflightFacts} from './preflight.js'
import type {RevisionOrigin} from './transfer.js'

export interface PlanContext {
  resolved: ResolvedGraduation
  facts: PreflightFacts
  hosts: HostDirectory
  commandMs: number
  signal?: AbortSignal | undefined
}

/**
 * What differs between a graduation and a rollback; the protocol around it (lock, arm, hold, hooks,
 * decision, verify, record) is the same. A planner says which revision each app gets and where its
 * commit can be fetched from.
 */
export interface Planner {
  /** Whether preflight reads the source environment's apps (and so their drift). */
  readonly readSources: boolean
  /** The hook phase run once every app is held. */
  readonly holdPhase: 'post' | 'rollback'
  /** The graduation a rollback restores the previous revisions of. */
  readonly rollbackOf?: string
  plan(context: PlanContext): Promise<PlannedApp[]>
  /** The command that finishes one app left partial. */
  repair(app: string, resolved: ResolvedGraduation): string
  /** Where entry.to can be fetched from, in order of preference. */
  origins(entry: PlannedApp, context: {resolved: ResolvedGraduation; facts: PreflightFacts; hosts: HostDirectory}): RevisionOrigin[]
}

/** `graduate <from> <to>`: every app gets the revision its source runs, fetched from the source app. */
export const promotionPlanner: Planner = {
  readSources: true,
  holdPhase: 'post',
  async plan({resolved, facts}) {
    return planApps(resolved.apps, facts, resolved.driftAllowed)
  },
  repair: (app, resolved) => `graduate ${resolved.from} ${resolved.to} --only ${app}`,
  origins(entry, {resolved, facts, hosts}) {
    const app = appNamed(resolved, entry.app)
    return [appOrigin(hosts, app.source, facts.sources.get(entry.app)!.deployBranch, `source/${entry.app}`)]
  },
}

/** An app's deploy branch as a place to fetch a revision from. */
export function appOrigin(hosts: HostDirectory, location: ResolvedApp['source'], branch: string, key: string): RevisionOrigin {
  return {
    remote: hosts.remoteUrl(location.host, location.app),
    key,
    open: async () => ({connection: (await hosts.connect(location.host)).connection, branch}),
  }
}

export function appNamed(resolved: ResolvedGraduation, name: string): ResolvedApp {
  const app = resolved.apps.find((candidate) => candidate.name === name)
  if (!app) throw new Error(`graduate bug: ${name} is not an app of this run`)
  return app
}
