import type {ResolvedGraduation} from '../../manifest/types.js'
import type {PlannedApp} from '../events.js'
import {limiter} from '../limit.js'
import {appNamed} from '../planner.js'
import {type PushResult, deployImageTo, ensureRevision, pushRevisionTo} from '../transfer.js'
import type {RunContext} from './context.js'
import type {Prepared} from './prepare.js'

/**
 * Fetches each source revision and pushes it to its target, at most `concurrency` at once per target
 * host; nothing is pushed before `armed` resolves (and nothing at all if it rejects), and nothing that
 * has not started yet starts once `stop` is aborted.
 */
export function startTransfers(ctx: RunContext, prepared: Prepared, changed: PlannedApp[], stop: AbortSignal, armed: Promise<void>): Map<string, Promise<PushResult>> {
  const {resolved, planner, hosts} = ctx
  const {tracker, facts} = prepared
  const timeouts = resolved.options.timeouts
  const limits = new Map<string, ReturnType<typeof limiter>>()
  const transfers = new Map<string, Promise<PushResult>>()
  const isArmed = armed.then(
    () => true,
    () => false,
  )
  for (const entry of changed) {
    const app = appNamed(resolved, entry.app)
    const limit = limits.get(entry.host) ?? limiter(resolved.options.concurrency)
    limits.set(entry.host, limit)
    const notStarted = (): PushResult => ({exitCode: null, lines: [], classification: {outcome: 'failed', failedChecks: [], detail: 'not started: the graduation was aborted first'}, liveAt: null})
    const task = async (): Promise<PushResult> => {
      if (stop.aborted) return notStarted()
      if (entry.strategy === 'image') {
        if (!(await isArmed) || stop.aborted) return notStarted()
        tracker.set(entry.app, 'pushing')
        // Like a push, the deploy is never cut by an interrupt: the decision goes to the gate.
        return deployImageTo({
          host: hosts.get(app.target.host),
          app: app.target.app,
          image: entry.to,
          timeoutMs: transferTimeoutMs(timeouts),
          onLine: (line) => tracker.line(entry.app, line.text),
        })
      }
      try {
        tracker.set(entry.app, 'fetching')
        await ensureRevision({
          repo: ctx.cacheRepo,
          sha: entry.to,
          origins: planner.origins(entry, {resolved, facts, hosts}),
          timeoutMs: timeouts.deployMs,
          signal: stop,
        })
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error))
        return {exitCode: null, lines: [], classification: {outcome: 'failed', failedChecks: [], detail: failure.message}, liveAt: null, error: failure}
      }
      if (!(await isArmed) || stop.aborted) return notStarted()
      tracker.set(entry.app, 'pushing')
      // The push is never cut by an interrupt: its client going away does not stop the deploy
      // (observed §4); the decision goes to the gate, and the push reports what happened.
      return pushRevisionTo({
        connection: hosts.get(app.target.host).connection,
        repo: ctx.cacheRepo,
        remote: hosts.remoteUrl(app.target.host, app.target.app),
        sha: entry.to,
        branch: facts.targets.get(entry.app)!.deployBranch,
        timeoutMs: transferTimeoutMs(timeouts),
        onLine: (line) => tracker.line(entry.app, line.text),
      })
    }
    transfers.set(entry.app, limit(task))
  }
  return transfers
}

/**
 * A transfer's own backstop: it streams the deploy until Dokku ends it, which may be up to the deploy
 * timeout to the hold, the hold timeout (POST hooks), then the deploy timeout again for the tail after
 * the decision. The protocol's own deadlines end the graduation long before this cuts a stream.
 */
function transferTimeoutMs(timeouts: ResolvedGraduation['options']['timeouts']): number {
  return 2 * timeouts.deployMs + timeouts.holdMs + 60_000
}
