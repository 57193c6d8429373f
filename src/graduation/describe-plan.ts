import pMap from 'p-map'
import {migrationLikeTasks, parseReleaseTasks} from '../dokku/parse/release-tasks.js'
import {strategyOf} from './artifact.js'
import type {PlannedApp} from './events.js'
import {type RevisionOrigin, cachedFile, cachedSubject, ensureRevision} from './transfer.js'

/**
 * Adds what a person reads in the plan to each entry: the commit subjects of both revisions, and the
 * new revision's release tasks that look like migrations (Dokku runs them before the hold). The new
 * revision is fetched into the cache for it (the transfer then needs no fetch); the old one is named
 * only when the cache already holds it. A fetch that fails leaves the entry as it was and is reported
 * as a warning: the plan is still right without subjects.
 */
export async function describeRevisions(
  plan: PlannedApp[],
  options: {repo: string; originsFor: (entry: PlannedApp) => RevisionOrigin[]; timeoutMs: number; signal?: AbortSignal | undefined; warn: (entry: PlannedApp, message: string) => void},
): Promise<PlannedApp[]> {
  return pMap(
    plan,
    async (entry) => {
      // An image carries no commit graduate could read; its digest says what it is.
      if (entry.strategy === 'image') return entry
      if (entry.action === 'deploy') {
        try {
          await ensureRevision({repo: options.repo, sha: entry.to, origins: options.originsFor(entry), timeoutMs: options.timeoutMs, ...(options.signal ? {signal: options.signal} : {})})
        } catch (error) {
          options.warn(entry, `could not fetch ${entry.to.slice(0, 12)} to describe it: ${error instanceof Error ? error.message : String(error)}`)
          return entry
        }
      }
      const [toSubject, fromSubject, procfile, appJson] = await Promise.all([
        cachedSubject(options.repo, entry.to),
        entry.from && strategyOf(entry.from) === 'git' ? cachedSubject(options.repo, entry.from) : undefined,
        entry.action === 'deploy' ? cachedFile(options.repo, entry.to, 'Procfile') : undefined,
        entry.action === 'deploy' ? cachedFile(options.repo, entry.to, 'app.json') : undefined,
      ])
      const releaseTasks = migrationLikeTasks(parseReleaseTasks({procfile, appJson}))
      return {...entry, ...(toSubject === undefined ? {} : {toSubject}), ...(fromSubject === undefined ? {} : {fromSubject}), ...(releaseTasks.length === 0 ? {} : {releaseTasks})}
    },
    {concurrency: 4},
  )
}
