import {PreflightError, UsageError} from '../errors.js'
import type {AppLocation, ResolvedGraduation} from '../manifest/types.js'
import {readAppFacts} from './app-facts.js'
import {strategyOf} from './artifact.js'
import type {PlannedApp} from './events.js'
import {hostKey} from '../manifest/host.js'
import {type Planner, appNamed, appOrigin} from './planner.js'
import type {StoredRecord} from './records.js'

/** Outcomes after which some app may run the graduation's revision. */
const WENT_LIVE = ['graduated', 'partial']

/**
 * The graduation a rollback undoes: the one named by `--to`, or else the newest one that changed the
 * environment and has not been rolled back already — so repeated rollbacks step back one graduation
 * at a time, as `heroku rollback` steps back one release.
 */
export function chooseRecord(records: StoredRecord[], env: string, id?: string): StoredRecord {
  if (id !== undefined) {
    const record = records.find((entry) => entry.id === id)
    if (!record) {
      throw new UsageError(`no graduation ${id} is recorded for ${env} on its hosts`, `\`graduate history ${env}\` lists the recorded ones`)
    }
    if (!WENT_LIVE.includes(record.outcome)) {
      throw new UsageError(`graduation ${id} ended ${record.outcome}: nothing of it went live, so there is nothing to roll back`, `\`graduate history ${env}\` lists the graduations that changed ${env}`)
    }
    return record
  }
  const undone = new Set(records.filter((entry) => entry.kind === 'rollback' && entry.outcome === 'graduated').map((entry) => entry.rollbackOf))
  const candidate = records.filter((entry) => entry.kind === 'graduation' && WENT_LIVE.includes(entry.outcome) && !undone.has(entry.id)).at(-1)
  if (!candidate) {
    throw new PreflightError(`nothing to roll back: no graduation into ${env} that is not rolled back already is recorded on its hosts`, `\`graduate history ${env}\` lists what is recorded`)
  }
  return candidate
}

/**
 * `graduate rollback`: each app of the record gets the revision it ran before that graduation. The
 * commit is taken from graduate's cache, else from the target's own deploy branch (which usually
 * still contains it), else from the app in the environment the graduation came from.
 */
export function rollbackPlanner(record: StoredRecord, sourceOf: (app: string) => AppLocation | undefined): Planner {
  return {
    readSources: false,
    holdPhase: 'rollback',
    rollbackOf: record.id,
    async plan({resolved, facts}) {
      const unknown: string[] = []
      const plan = resolved.apps.map((app): PlannedApp => {
        const recorded = record.apps.find((entry) => entry.app === app.name)
        const target = facts.targets.get(app.name)
        if (!recorded || !target) throw new Error(`graduate bug: no record or facts for ${app.name}`)
        if (recorded.from === null) unknown.push(app.name)
        const to = recorded.from ?? ''
        return {
          app: app.name,
          host: hostKey(app.target.host),
          targetApp: app.target.app,
          sourceHost: hostKey(app.target.host),
          sourceApp: app.target.app,
          from: target.artifact,
          to,
          strategy: strategyOf(to),
          action: target.artifact === to ? 'skip' : 'deploy',
        }
      })
      if (unknown.length > 0) {
        const others = resolved.apps.map((app) => app.name).filter((name) => !unknown.includes(name))
        throw new PreflightError(
          `${unknown.join(', ')} had never been deployed before graduation ${record.id}, so there is no earlier revision to go back to`,
          others.length > 0 ? `roll back the others with --only ${others.join(',')}` : 'there is nothing to roll back',
        )
      }
      return plan
    },
    repair: (app, resolved) => `graduate rollback ${resolved.to} --to ${record.id} --only ${app}`,
    origins(entry, {resolved, facts, hosts}) {
      const app = appNamed(resolved, entry.app)
      const origins = [appOrigin(hosts, app.target, facts.targets.get(entry.app)!.deployBranch, `target/${entry.app}`)]
      const source = sourceOf(entry.app)
      if (source) {
        origins.push({
          remote: hosts.remoteUrl(source.host, source.app),
          key: `source/${entry.app}`,
          open: async () => {
            const host = await hosts.connect(source.host)
            const facts = await readAppFacts(host, source.app, {side: 'source', detail: 'minimal'}, {timeoutMs: resolved.options.timeouts.commandMs})
            return facts.exists ? {connection: host.connection, branch: facts.deployBranch} : undefined
          },
        })
      }
      return origins
    },
  }
}

/** The apps of the environment the record changed or kept, in manifest order; --only narrows them. */
export function appsOfRecord(resolved: ResolvedGraduation, record: StoredRecord, only: string[] | undefined): ResolvedGraduation {
  const recorded = new Set(record.apps.map((entry) => entry.app))
  const missing = (only ?? []).filter((name) => !recorded.has(name))
  if (missing.length > 0) {
    throw new UsageError(`graduation ${record.id} did not include ${missing.join(', ')}`, `it graduated ${[...recorded].join(', ')}`)
  }
  return {...resolved, apps: resolved.apps.filter((app) => recorded.has(app.name))}
}
