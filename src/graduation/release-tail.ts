import type {PlannedApp} from './events.js'
import {withDeadline} from './limit.js'
import type {PushResult} from './transfer.js'

/** How one app's deploy ended after the decision reached its gate. */
export type TailResult =
  /** Dokku finished the deploy (successfully or not): `push` says how, as far as its stream showed. */
  | {ended: true; push: PushResult}
  /** The deploy timeout passed first, or the host could not tell: Dokku may still be deploying. */
  | {ended: false; push: PushResult | undefined}

export interface ReleaseTailOptions {
  /** The apps whose deploys are awaited. */
  entries: PlannedApp[]
  pushes: Map<string, Promise<PushResult>>
  /** Epoch ms: the decision plus the deploy timeout. */
  deadline: number
  /**
   * For a deploy whose stream was cut (its connection dropped): waits on the host until Dokku has
   * finished it, and says whether it did before `deadline`. Without it, a cut stream counts as ended.
   */
  awaitDeployEnd?: (entry: PlannedApp, deadline: number) => Promise<boolean>
  /** Called with the apps Dokku is still deploying, a while after the decision and then now and then. */
  onWaiting: (apps: string[], elapsedMs: number) => void
  /** When to report the first time, and how often after that. */
  firstReportMs?: number
  reportEveryMs?: number
}

/**
 * After the decision each deploy runs Dokku's tail on its own: the web container rename, the early
 * nginx rebuild (the switch), the other process types, post-deploy and a second rebuild. On a loaded
 * host that took more than two minutes after the gates let go (issue 12: the switch at +68 s, the
 * deploys' ends after +140 s), so there is no fixed grace period: every deploy is awaited to its own
 * end, bounded only by the deploy timeout counted from the decision.
 */
export async function awaitReleaseTail(options: ReleaseTailOptions): Promise<Map<string, TailResult>> {
  const started = Date.now()
  const pending = new Set(options.entries.map((entry) => entry.app))
  let reported = false
  const report = () => {
    if (pending.size === 0) return
    reported = true
    options.onWaiting([...pending], Date.now() - started)
  }
  let timer = setTimeout(function tick() {
    report()
    timer = setTimeout(tick, options.reportEveryMs ?? 15_000)
  }, options.firstReportMs ?? 3_000)

  const awaitOne = async (entry: PlannedApp): Promise<TailResult> => {
    const push = options.pushes.get(entry.app)
    if (push === undefined) return {ended: false, push: undefined}
    const result = await withDeadline<PushResult | undefined>(push, Math.max(0, options.deadline - Date.now()), () => undefined)
    if (result === undefined) return {ended: false, push: undefined}
    if (result.exitCode !== null || options.awaitDeployEnd === undefined) return {ended: true, push: result}
    // The stream ended without git's exit: the connection was cut, and a Dokku deploy outlives its
    // client (dokku-observed.md §4), so the host is asked when it has finished.
    return (await options.awaitDeployEnd(entry, options.deadline)) ? {ended: true, push: result} : {ended: false, push: result}
  }

  try {
    const results = await Promise.all(
      options.entries.map(async (entry) => {
        const result = await awaitOne(entry)
        pending.delete(entry.app)
        if (reported) report()
        return [entry.app, result] as const
      }),
    )
    return new Map(results)
  } finally {
    clearTimeout(timer)
  }
}
