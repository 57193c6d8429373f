import {runHookPhase} from '../hooks/run-phase.js'
import {loadManifest, resolveGraduation} from '../manifest/index.js'
import {NodeSshTransport} from '../ssh/node-ssh-transport.js'
import {openOutput} from '../ui/session.js'
import {EventBus, type GraduationSummary} from './events.js'
import {graduate} from './graduate.js'
import {newGraduationId} from './id.js'
import {Journal, cacheDir} from './journal.js'
import {type OptionOverrides, applyOverrides} from './overrides.js'
import {describeOwner} from './owner.js'

export interface PromoteRequest {
  manifestPath: string
  from: string
  to: string
  only?: string[] | undefined
  overrides: OptionOverrides
  yes: boolean
  dryRun: boolean
  json: boolean
  verbose: boolean
}

/**
 * `graduate <from> <to>`: load and resolve the manifest (nothing is contacted if it is wrong), then run
 * the graduation with the output the terminal calls for, interrupts turned into an abort, and every
 * connection closed at the end.
 */
export async function promote(request: PromoteRequest): Promise<GraduationSummary> {
  const manifest = await loadManifest(request.manifestPath)
  const resolved = resolveGraduation(manifest, request.from, request.to, request.only ? {only: request.only} : {})
  resolved.options = applyOverrides(resolved.options, request.overrides)

  const id = newGraduationId()
  const bus = new EventBus(id, resolved.to)
  const output = openOutput({json: request.json, verbose: request.verbose})
  bus.subscribe(output.sink)
  const transport = new NodeSshTransport()
  const interrupts = new InterruptWatch(bus)
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
      ...(request.yes || request.dryRun ? {} : {confirm: (plan) => output.confirm(plan, resolved.from, resolved.to)}),
      signal: interrupts.signal,
    })
    await output.finish(summary)
    return summary
  } finally {
    output.close()
    interrupts.dispose()
    await transport.closeAll()
  }
}

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
  private readonly apps = new Map<string, string>()
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
      if (event.type === 'app') this.apps.set(`${event.app} (${event.host})`, event.state)
    })
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  private inFlight(): string {
    const active = [...this.apps].filter(([, state]) => !['live', 'aborted', 'failed', 'skipped', 'partial'].includes(state))
    return active.length === 0 ? 'no app deploys; unlocking and reporting' : active.map(([app, state]) => `${app} ${state}`).join(', ')
  }

  dispose(): void {
    this.unsubscribe()
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}
