import type {PushClassification} from '../dokku/parse/push-outcome.js'
import type {AppTracker} from './apps.js'
import type {PlannedApp} from './events.js'
import type {GateCoordinator} from './gates.js'
import type {PushResult} from './transfer.js'

export type HoldWait = {ok: true} | {ok: false; cause: string; interrupted: boolean}

/** The gates' state is read at once when a deploy's output says its gate holds it, and otherwise this often. */
const FALLBACK_POLL_MS = 1_000
/** The gate's line when it starts holding a deploy (dokku-plugin/gate/check-deploy). */
const HOLDING_LINE = /graduate: holding /

/**
 * Waits until every changed app's deploy is held in its gate (read from the gates' own state, not
 * only from the push output, which only says when to look), or the first reason to abort: a deploy that ended before reaching its
 * gate (build, checks, release task, lock), a gate that ended its hold on its own, the deploy
 * timeout, or an interrupt.
 */
export async function waitForHolds(options: {
  apps: PlannedApp[]
  pushes: Map<string, Promise<PushResult>>
  gates: GateCoordinator
  tracker: AppTracker
  deadlineMs: number
  signal?: AbortSignal
}): Promise<HoldWait> {
  const pending = new Set(options.apps.map((entry) => entry.app))
  const byGateKey = new Map(options.apps.map((entry) => [`${entry.host}/${entry.targetApp}`, entry]))
  let settle!: (result: HoldWait) => void
  const done = new Promise<HoldWait>((resolve) => (settle = resolve))
  let finished = false
  const finish = (result: HoldWait) => {
    if (finished) return
    finished = true
    settle(result)
  }
  const fail = (app: PlannedApp, reason: string) => {
    options.tracker.set(app.app, 'failed', reason)
    finish({ok: false, cause: reason, interrupted: false})
  }

  for (const entry of options.apps) {
    void options.pushes.get(entry.app)!.then((result) => {
      if (!pending.has(entry.app) || finished) return
      fail(entry, explainPush(entry, result))
    })
  }

  const deadline = setTimeout(() => {
    const late = options.apps.filter((entry) => pending.has(entry.app))
    finish({ok: false, interrupted: false, cause: `${late.map((entry) => `${entry.app} (${entry.host})`).join(', ')} did not reach its gate within the deploy timeout of ${Math.round(options.deadlineMs / 1000)} s`})
  }, options.deadlineMs)
  const onAbort = () => finish({ok: false, interrupted: true, cause: 'interrupted before the decision'})
  options.signal?.addEventListener('abort', onAbort, {once: true})
  if (options.signal?.aborted) onAbort()

  let wake: (() => void) | undefined
  // A hold announced while the gates are being read is read on the next round, without waiting.
  let nudged = false
  const stopListening = options.tracker.onLine((app, text) => {
    if (!pending.has(app) || !HOLDING_LINE.test(text)) return
    if (wake) wake()
    else nudged = true
  })
  const poll = async () => {
    while (!finished) {
      nudged = false
      const statuses = await options.gates.status()
      for (const [key, status] of statuses) {
        const entry = byGateKey.get(key)
        if (!entry || !pending.has(entry.app) || finished) continue
        if (status.state === 'held') {
          pending.delete(entry.app)
          options.tracker.set(entry.app, 'held')
        } else if (status.state === 'expired' || status.state === 'orphaned' || status.state === 'aborted') {
          fail(entry, `the gate of ${entry.app} on ${entry.host} ended the hold itself (${status.state}${status.reason ? `: ${status.reason}` : ''})`)
        }
      }
      if (pending.size === 0) finish({ok: true})
      if (finished) break
      if (nudged) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FALLBACK_POLL_MS)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  }
  void poll()

  try {
    return await done
  } finally {
    stopListening()
    wake?.()
    clearTimeout(deadline)
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/** Why a deploy ended before its gate held it, in one sentence naming the app and host. */
export function explainPush(entry: PlannedApp, result: PushResult): string {
  const where = `${entry.app} on ${entry.host}`
  if (result.error && result.lines.length === 0) return `${where}: ${result.error.message}`
  return `${where}: ${describeCause(result.classification, result.exitCode)}`
}

function describeCause(classification: PushClassification, exitCode: number | null): string {
  switch (classification.cause) {
    case 'build-failed':
      return 'the build failed'
    case 'checks-failed':
      return `Dokku's health checks failed (${classification.failedChecks.map((check) => check.container).join(', ') || 'web'})`
    case 'release-task-failed':
      return 'the release task failed'
    case 'deploy-lock-held':
      return 'another deploy of the app was in progress (Dokku deploy lock)'
    case 'gate-refused':
      return `the gate refused the deploy: ${classification.detail}`
    case 'gate-aborted':
      return `the gate ended the hold: ${classification.detail}`
    default:
      break
  }
  switch (classification.outcome) {
    case 'deployed':
      return 'the deploy went live without being held by the gate (is the zz-graduate-gate plugin enabled?)'
    case 'up-to-date':
      return 'the target branch already had this revision, so Dokku deployed nothing'
    case 'not-deployed-wrong-branch':
      return `Dokku did not deploy the push: ${classification.detail}`
    default:
      return exitCode === null ? `the push was cut off before it finished (${classification.detail})` : `the deploy failed: ${classification.detail}`
  }
}
