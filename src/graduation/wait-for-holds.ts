import type {PushClassification} from '../dokku/parse/push-outcome.js'
import type {AppTracker} from './apps.js'
import type {PlannedApp} from './events.js'
import type {GateCoordinator} from './gates.js'
import type {PushResult} from './transfer.js'

export type HoldWait = {ok: true} | {ok: false; cause: string; interrupted: boolean}

/**
 * The gate's own words in the deploy's output when it holds it (dokku-plugin/gate/check-deploy): the
 * hold starting, `holding <app> (<container>) for graduation <id>;`, or its heartbeat,
 * `still holding <app> (<container>) for <id>,`.
 */
const HOLDING_LINE = /graduate: (?:still )?holding \S+ \([^)]*\) for (?:graduation )?([A-Za-z0-9][A-Za-z0-9._-]*)[;,]/
/** A deploy that has said nothing for this long has the gates of its host read (a build step may be quiet for a while). */
const QUIET_MS = 15_000
/** How often the deploys' quiet is looked at. */
const CHECK_EVERY_MS = 5_000

/**
 * Waits until every changed app's deploy is held in its gate, or the first reason to abort: a deploy
 * that ended before reaching its gate (build, checks, release task, lock), a gate that ended its hold
 * on its own, the deploy timeout, or an interrupt.
 *
 * A deploy is held when its gate says so in the deploy's own output, naming this graduation — the
 * gate prints that line only once it has recorded the hold. So the gates are not read over the network
 * while every deploy keeps talking; only the gates of a host where some deploy has said nothing for
 * QUIET_MS are read (a lost or garbled line). Before the release, graduate reads every gate's state
 * anyway (a hold can end while the POST hooks run).
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
  const lastHeard = new Map(options.apps.map((entry) => [entry.app, Date.now()]))
  let settle!: (result: HoldWait) => void
  const done = new Promise<HoldWait>((resolve) => (settle = resolve))
  let finished = false
  const finish = (result: HoldWait) => {
    if (finished) return
    finished = true
    settle(result)
  }
  const held = (entry: PlannedApp) => {
    if (!pending.delete(entry.app)) return
    options.tracker.set(entry.app, 'held')
    if (pending.size === 0) finish({ok: true})
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

  const byApp = new Map(options.apps.map((entry) => [entry.app, entry]))
  const stopListening = options.tracker.onLine((app, text) => {
    const entry = byApp.get(app)
    if (entry === undefined || !pending.has(app) || finished) return
    lastHeard.set(app, Date.now())
    if (HOLDING_LINE.exec(text)?.[1] === options.gates.graduationId) held(entry)
  })

  let reading = false
  const readQuietGates = async () => {
    const quietSince = Date.now() - QUIET_MS
    const quiet = options.apps.filter((entry) => pending.has(entry.app) && lastHeard.get(entry.app)! <= quietSince)
    if (reading || finished || quiet.length === 0) return
    reading = true
    try {
      const hosts = new Set(quiet.map((entry) => entry.host))
      // Read once per quiet spell: the next read of these hosts waits for another QUIET_MS of quiet.
      for (const entry of options.apps) if (hosts.has(entry.host)) lastHeard.set(entry.app, Date.now())
      const statuses = await options.gates.status(undefined, hosts)
      for (const [key, status] of statuses) {
        const entry = byGateKey.get(key)
        if (!entry || !pending.has(entry.app) || finished) continue
        if (status.state === 'held') held(entry)
        else if (status.state === 'expired' || status.state === 'orphaned' || status.state === 'aborted') {
          fail(entry, `the gate of ${entry.app} on ${entry.host} ended the hold itself (${status.state}${status.reason ? `: ${status.reason}` : ''})`)
        }
      }
    } finally {
      reading = false
    }
  }
  const quietCheck = setInterval(() => void readQuietGates(), CHECK_EVERY_MS)

  try {
    return await done
  } finally {
    stopListening()
    clearInterval(quietCheck)
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
