import type {AppResult, AppState, AppSummary, AppView, EventBus, PlannedApp} from './events.js'

const KEPT_LINES = 30

interface Tracked {
  plan: PlannedApp
  state: AppState
  lastLines: string[]
  /** Why it is where it is: the latest message any change gave (the summary's reason). */
  reason?: string
  /** The message of the latest announced change only (what the `app` event said). */
  announced?: string
  liveAt?: number
  liveRev?: string | null
  repair?: string
}

/**
 * Each app's state through the graduation; every change becomes an `app` event, every Dokku line an
 * `app-output` event, and renderers read the state itself through the bus (snapshot()).
 */
export class AppTracker {
  private readonly apps = new Map<string, Tracked>()
  private readonly lineListeners = new Set<(app: string, text: string) => void>()

  constructor(
    plan: PlannedApp[],
    private readonly bus: EventBus,
  ) {
    for (const entry of plan) this.apps.set(entry.app, {plan: entry, state: entry.action === 'skip' ? 'skipped' : 'planned', lastLines: []})
    bus.showApps(() => this.snapshot())
  }

  /** Every app as it stands, in plan order; copies, so a reader cannot change the tracker. */
  snapshot(): readonly AppView[] {
    return [...this.apps.values()].map((entry) =>
      Object.freeze({
        plan: entry.plan,
        app: entry.plan.app,
        host: entry.plan.host,
        state: entry.state,
        rev: revisionOf(entry.plan, entry.state),
        message: entry.announced,
        lastLines: Object.freeze([...entry.lastLines]),
      }),
    )
  }

  state(app: string): AppState {
    return this.entry(app).state
  }

  set(app: string, state: AppState, message?: string): void {
    const entry = this.entry(app)
    if (message !== undefined) entry.reason = message
    if (entry.state === state) return
    entry.state = state
    entry.announced = message
    this.bus.emit({
      type: 'app',
      app,
      host: entry.plan.host,
      state,
      rev: revisionOf(entry.plan, state),
      from: entry.plan.from,
      to: entry.plan.to,
      ...(message === undefined ? {} : {message}),
    })
  }

  line(app: string, text: string): void {
    const entry = this.entry(app)
    entry.lastLines.push(text)
    if (entry.lastLines.length > KEPT_LINES) entry.lastLines.shift()
    this.bus.emit({type: 'app-output', app, host: entry.plan.host, line: text})
    for (const listener of this.lineListeners) listener(app, text)
  }

  /** Calls `listener` with every Dokku line of every app until the returned function is called. */
  onLine(listener: (app: string, text: string) => void): () => void {
    this.lineListeners.add(listener)
    return () => this.lineListeners.delete(listener)
  }

  wentLive(app: string, at: number | null, liveRev: string | null): void {
    const entry = this.entry(app)
    if (at !== null) entry.liveAt = at
    entry.liveRev = liveRev
  }

  setLiveRev(app: string, liveRev: string | null): void {
    this.entry(app).liveRev = liveRev
  }

  setRepair(app: string, repair: string): void {
    this.entry(app).repair = repair
  }

  changed(): PlannedApp[] {
    return [...this.apps.values()].filter((entry) => entry.plan.action === 'deploy').map((entry) => entry.plan)
  }

  /** Between the first and the last app going live, when at least two did and every time is known. */
  flipSkewMs(): number | null {
    const live = [...this.apps.values()].filter((entry) => entry.state === 'live')
    if (live.length < 2 || live.some((entry) => entry.liveAt === undefined)) return null
    const times = live.map((entry) => entry.liveAt!)
    return Math.max(...times) - Math.min(...times)
  }

  summaries(): AppSummary[] {
    return [...this.apps.values()].map((entry) => {
      const result = resultOf(entry.state)
      return {
        app: entry.plan.app,
        host: entry.plan.host,
        targetApp: entry.plan.targetApp,
        from: entry.plan.from,
        to: entry.plan.to,
        result,
        liveRev: entry.liveRev ?? (result === 'skipped' ? entry.plan.from : null),
        liveAt: entry.liveAt === undefined ? null : new Date(entry.liveAt).toISOString(),
        ...(entry.reason === undefined ? {} : {reason: entry.reason}),
        ...(result === 'failed' || result === 'partial' ? {lastLines: entry.lastLines.slice(-12)} : {}),
        ...(entry.repair === undefined ? {} : {repair: entry.repair}),
      }
    })
  }

  private entry(app: string): Tracked {
    const entry = this.apps.get(app)
    if (!entry) throw new Error(`graduate bug: unknown app ${app}`)
    return entry
  }
}

/** The revision a state is about: the new one while it is pushed, held and live, else the one still serving. */
function revisionOf(plan: PlannedApp, state: AppState): string {
  return state === 'live' || state === 'held' || state === 'pushing' ? plan.to : (plan.from ?? plan.to)
}

function resultOf(state: AppState): AppResult {
  switch (state) {
    case 'live':
      return 'live'
    case 'skipped':
      return 'skipped'
    case 'failed':
      return 'failed'
    case 'partial':
      return 'partial'
    default:
      return 'aborted'
  }
}
