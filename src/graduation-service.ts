import {runHookPhase} from './hooks/run-phase.js'
import {loadManifest, resolveEnvironment, resolveGraduation, resolveRollback} from './manifest/index.js'
import type {ResolvedGraduation} from './manifest/types.js'
import type {Transport} from './ssh/transport.js'
import {withTransport} from './session.js'
import {openOutput} from './ui/session.js'
import {warningsOnStderr} from './ui/stderr-warnings.js'
import {type AppState, type AppView, EventBus, type GraduationSummary} from './graduation/events.js'
import {type GraduateOptions, graduate} from './graduation/graduate.js'
import {HostDirectory} from './graduation/hosts.js'
import {distinctHosts} from './manifest/host.js'
import {readRecords} from './graduation/records.js'
import {appsOfRecord, chooseRecord, rollbackPlanner} from './graduation/rollback.js'
import {newGraduationId} from './graduation/id.js'
import {Journal, cacheDir} from './graduation/journal.js'
import {type OptionOverrides, applyOverrides} from './graduation/overrides.js'
import {describeOwner} from './graduation/owner.js'

interface RunRequest {
  manifestPath: string
  only?: string[] | undefined
  overrides: OptionOverrides
  yes: boolean
  dryRun: boolean
  json: boolean
  verbose: boolean
  /** Unknown host keys are accepted and recorded in known_hosts; changed ones are still refused. */
  acceptNewHostKeys: boolean
}

export interface PromoteRequest extends RunRequest {
  from: string
  to: string
  acceptDrift: boolean
}

export interface RollbackRequest extends RunRequest {
  env: string
  /** The graduation whose previous revisions are restored; default: the newest not rolled back yet. */
  to?: string | undefined
}

/**
 * `graduate <from> <to>`: load and resolve the manifest (nothing is contacted if it is wrong), then run
 * the graduation with the output the terminal calls for, interrupts turned into an abort, and every
 * connection closed at the end.
 */
export async function promote(request: PromoteRequest): Promise<GraduationSummary> {
  const manifest = await loadManifest(request.manifestPath)
  const resolved = resolveGraduation(manifest, request.from, request.to, request.only ? {only: request.only} : {})
  return withTransport((transport) => runGraduation(resolved, request, transport, {acceptDrift: request.acceptDrift, acceptNewHostKeys: request.acceptNewHostKeys}))
}

/**
 * `graduate rollback <env>`: reads the environment's records on its hosts, picks the graduation to
 * undo, and runs the same protocol with each app's previous revision and the rollback hooks.
 */
export async function rollback(request: RollbackRequest): Promise<GraduationSummary> {
  const manifest = await loadManifest(request.manifestPath)
  const environment = resolveRollback(manifest, request.env, request.only ? {only: request.only} : {})
  return withTransport(async (transport) => {
    // The transport keeps these connections open for the run itself.
    const hosts = new HostDirectory(transport, warningsOnStderr('-', environment.to), {connectTimeoutMs: environment.options.timeouts.connectMs, acceptNewHostKeys: request.acceptNewHostKeys})
    await hosts.connectAll(environment.apps.map((app) => app.target.host))
    const targets = distinctHosts(environment.apps.map((app) => app.target.host)).map((spec) => hosts.get(spec))
    const record = chooseRecord(await readRecords(targets, environment.to, {commandMs: environment.options.timeouts.commandMs}), environment.to, request.to)
    const resolved = appsOfRecord(environment, record, request.only)
    const sourceOf = (app: string) => {
      if (!manifest.chain.includes(record.fromEnv)) return undefined
      return resolveEnvironment(manifest, record.fromEnv).apps.find((entry) => entry.name === app)
    }
    return runGraduation(resolved, request, transport, {planner: rollbackPlanner(record, sourceOf), acceptNewHostKeys: request.acceptNewHostKeys})
  })
}

async function runGraduation(resolved: ResolvedGraduation, request: RunRequest, transport: Transport, extra: Pick<GraduateOptions, 'planner' | 'acceptDrift' | 'acceptNewHostKeys'>): Promise<GraduationSummary> {
  resolved.options = applyOverrides(resolved.options, request.overrides)
  const id = newGraduationId()
  const bus = new EventBus(id, resolved.to)
  const output = openOutput({json: request.json, verbose: request.verbose, apps: () => bus.apps()})
  bus.subscribe(output.sink)
  const interrupts = new InterruptWatch(bus)
  const rollbackOf = extra.planner?.rollbackOf
  try {
    const summary = await graduate(resolved, {
      id,
      bus,
      transport,
      journal: new Journal(id),
      runHooks: runHookPhase,
      owner: describeOwner(),
      cacheDir: cacheDir(),
      dryRun: request.dryRun,
      ...extra,
      ...(request.yes || request.dryRun ? {} : {confirm: (plan) => output.confirm(plan, resolved.from, resolved.to, rollbackOf)}),
      signal: interrupts.signal,
    })
    await output.finish(summary)
    return summary
  } finally {
    output.close()
    interrupts.dispose()
  }
}

/** The apps a deploy has started for and not yet ended, as the tracker holds them. */
export function describeInFlight(apps: readonly AppView[]): string {
  const active = apps.filter((view) => !SETTLED_OR_WAITING.has(view.state))
  return active.length === 0 ? 'no app deploys; unlocking and reporting' : active.map((view) => `${view.app} (${view.host}) ${view.state}`).join(', ')
}

/** Not in flight: an app whose deploy ended, or (planned) has not started. */
const SETTLED_OR_WAITING: ReadonlySet<AppState> = new Set(['planned', 'live', 'aborted', 'failed', 'skipped', 'partial'])

/**
 * SIGINT/SIGTERM before the decision abort the graduation (every gate is told, the locks released,
 * exit 130); after the decision the release is finished, since it is already decided. A second signal
 * says what is still in flight instead of dying silently: leaving now would strand held deploys until
 * their lease ends.
 */
class InterruptWatch {
  private readonly controller = new AbortController()
  private count = 0
  private decided = false
  private readonly unsubscribe: () => void

  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.count++
    if (this.decided) {
      this.bus.emit({type: 'warning', message: `${signal}: the release was already decided, so graduate finishes it and then reports${this.count > 1 ? `; still in flight: ${this.inFlight()}` : ''}`})
      return
    }
    if (this.count === 1) {
      this.bus.emit({type: 'warning', message: `${signal}: aborting every app; the old releases keep serving. Waiting for the gates to confirm…`})
      this.controller.abort(new Error(`interrupted by ${signal}`))
      return
    }
    this.bus.emit({
      type: 'warning',
      message: `${signal} again: still aborting — in flight: ${this.inFlight()}. If you stop graduate now, held deploys abort on their own when their lease ends, and \`graduate status\` shows them.`,
    })
  }

  constructor(private readonly bus: EventBus) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type === 'decision' && event.decision === 'release') this.decided = true
    })
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  private inFlight(): string {
    return describeInFlight(this.bus.apps())
  }

  dispose(): void {
    this.unsubscribe()
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}
