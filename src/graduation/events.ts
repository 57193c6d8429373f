import type {ExitCode} from '../exit-codes.js'
import type {PromotionStrategy} from '../manifest/types.js'
import type {HookEvent, HookSummary} from '../hooks/types.js'
import type {AppDrift} from './drift.js'

/**
 * What a graduation tells the world. The engine emits these and nothing else; the listr2 UI, the
 * plain CI lines and `--json` (one event per line on stdout) all render the same stream.
 * Every event carries `ts` (ISO time), `id` (the graduation), `env` (the target environment), and
 * `host`/`app` where it concerns one.
 */
export type GraduationStage =
  | 'connect'
  | 'preflight'
  | 'lock'
  | 'plan'
  | 'pre-hooks'
  | 'deploy'
  | 'post-hooks'
  | 'release'
  | 'abort'
  | 'verify'
  | 'record'
  | 'unlock'
  | 'after-hooks'

/**
 * An app's way through the graduation: planned → pushing → held → releasing → live, or skipped,
 * or (on abort) aborting → aborted. `failed` is an app whose own deploy failed before the decision;
 * `partial` an app that did not go live after the release was decided.
 */
export type AppState = 'planned' | 'skipped' | 'fetching' | 'pushing' | 'held' | 'releasing' | 'live' | 'aborting' | 'aborted' | 'failed' | 'partial'

export type AppResult = 'live' | 'skipped' | 'aborted' | 'failed' | 'partial'

export type Outcome = 'graduated' | 'nothing-to-do' | 'dry-run' | 'aborted' | 'partial' | 'refused' | 'interrupted'

export interface PlannedApp {
  /** Manifest name. */
  app: string
  /** Target host label, e.g. dokku@prod-1.example.com:22. */
  host: string
  targetApp: string
  sourceHost: string
  sourceApp: string
  /** What the target runs now — a git revision or an image reference (null: never deployed). */
  from: string | null
  /** What the source runs, and the target will: a git revision, or an image pinned by digest. */
  to: string
  /** git: the revision is pushed and built on the target; image: the very image is deployed (git:from-image). */
  strategy: PromotionStrategy
  action: 'deploy' | 'skip'
  /** The first line of each revision's commit message, when graduate's git cache holds the commit. */
  fromSubject?: string
  toSubject?: string
  /** How the target's settings differ from the source's (absent in a rollback, which has no source). */
  drift?: AppDrift
  /** Release tasks of the new revision that Dokku runs before the hold and that look like migrations. */
  releaseTasks?: Array<{where: string; command: string}>
}

export interface AppSummary {
  app: string
  host: string
  targetApp: string
  from: string | null
  to: string
  result: AppResult
  /** The revision the target serves at the end, as verified. */
  liveRev: string | null
  /** When the app went live (ISO), for the flip skew. */
  liveAt: string | null
  /** Why this app failed or is partial, in one line. */
  reason?: string
  /** The last lines of its Dokku deploy output, when it failed. */
  lastLines?: string[]
  /** The command that repairs a partial app. */
  repair?: string
}

/** How one host's released apps passed the nginx switch (the second hold point). */
export interface HostSwitch {
  host: string
  /** Apps that were waiting at the switch when graduate's switch came: their reloads ran together. */
  together: string[]
  /**
   * Apps that did not switch with the others, each with why. `own`: it reloaded on its own (its bound,
   * the switch came before it got there, a Dokku without the trigger); `not-switched`: the release never
   * reached it, or its deploy ended without a reload (it failed after the release).
   */
  alone: Array<{app: string; why: string; kind: 'own' | 'not-switched'}>
  /** When the host let `together` go (ISO, the host's clock); null when none was waiting. */
  at: string | null
}

export type {HookSummary}

export interface GraduationSummary {
  outcome: Outcome
  exitCode: ExitCode
  from: string
  to: string
  /** Why it did not graduate, in one sentence naming the app/host/hook at fault. */
  cause?: string
  /** Who acts next, when the cause is something the operator must fix (a host key, a missing plugin…). */
  hint?: string
  apps: AppSummary[]
  hooks: HookSummary[]
  /** Between the first and the last app going live; null when fewer than two went live or a time is unknown. */
  flipSkewMs: number | null
  /** After a release: which apps each host switched in one nginx reload, and which on their own. */
  switch?: HostSwitch[]
  durationMs: number
  /** Set when this run was `graduate rollback`: the graduation whose previous revisions it restored. */
  rollbackOf?: string
}

interface EventBase {
  ts: string
  id: string
  env: string
}

export type GraduationEventBody =
  | {type: 'start'; from: string; to: string; manifest: string; apps: string[]; rollbackOf?: string}
  | {type: 'stage'; stage: GraduationStage}
  /** `settings`: how the host was reached (describeSettings), shown with --verbose; never key material. */
  | {type: 'host'; host: string; state: 'connected' | 'failed'; durationMs?: number; message?: string; settings?: string[]}
  | {type: 'problem'; host: string; app?: string; severity: 'error' | 'warning'; message: string; fix?: string}
  | {type: 'lock'; host: string; state: 'acquired' | 'taken-over' | 'held' | 'released'; owner?: string; since?: string}
  | {type: 'plan'; apps: PlannedApp[]; skippedEnvironments: string[]}
  /**
   * `from`: what the target ran before (null: never deployed); `to`: what it gets. `rev` is the one the
   * state is about: `to` while pushing, held and live, `from` in every other state, where the app still
   * serves its old release.
   */
  | {type: 'app'; app: string; host: string; state: AppState; rev?: string; from?: string | null; to?: string; message?: string}
  | {type: 'app-output'; app: string; host: string; line: string}
  | HookEvent
  | {type: 'decision'; decision: 'release' | 'abort'; reason?: string}
  /** After the decision: the apps whose deploys Dokku is still finishing (its release tail), now and then until none is. */
  | {type: 'deploys-running'; apps: string[]; sinceDecisionMs: number}
  /** After the release: graduate's switch went to every host; which apps switched together on each. */
  | {type: 'switch'; hosts: HostSwitch[]; waitedMs: number}
  | {type: 'warning'; message: string; host?: string; app?: string}
  | ({type: 'summary'} & GraduationSummary)

export type GraduationEvent = EventBase & GraduationEventBody

export type GraduationEventType = GraduationEvent['type']

/**
 * One app as the graduation's tracker holds it at this moment: what its latest `app` event said, and its
 * last Dokku lines. Renderers read these instead of rebuilding the apps' state from events.
 */
export interface AppView {
  readonly plan: PlannedApp
  readonly app: string
  readonly host: string
  readonly state: AppState
  /** The revision the state is about, as in the `app` event. */
  readonly rev: string | undefined
  /** The message of the latest state change, when it had one. */
  readonly message: string | undefined
  /** Its latest Dokku lines, oldest first. */
  readonly lastLines: readonly string[]
}

/** Where events go: every renderer is one of these. */
export type EventSink = (event: GraduationEvent) => void

/** Stamps bodies with time, graduation id and environment, and hands them to every sink. */
export class EventBus {
  private readonly sinks: EventSink[] = []
  private appViews: () => readonly AppView[] = () => []

  constructor(
    private readonly id: string,
    private readonly env: string,
    private readonly now: () => Date = () => new Date(),
    private readonly onSinkError: (error: unknown) => void = (error) =>
      process.stderr.write(`graduate: an output renderer failed and was switched off; the graduation goes on (${error instanceof Error ? error.message : String(error)})\n`),
  ) {}

  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink)
    return () => {
      const index = this.sinks.indexOf(sink)
      if (index >= 0) this.sinks.splice(index, 1)
    }
  }

  /** The graduation's apps as its tracker holds them now; none before the plan. */
  apps(): readonly AppView[] {
    return this.appViews()
  }

  /** Called by the run's AppTracker, so that renderers and the interrupt watch can read its snapshot. */
  showApps(snapshot: () => readonly AppView[]): void {
    this.appViews = snapshot
  }

  /**
   * Hands the event to every sink. A sink that throws (a renderer's bug) is dropped and reported once
   * through `onSinkError`: the protocol emitting the event — possibly mid-decision — must go on.
   */
  emit(body: GraduationEventBody): void {
    const event = {ts: this.now().toISOString(), id: this.id, env: this.env, ...body} as GraduationEvent
    for (const sink of [...this.sinks]) {
      try {
        sink(event)
      } catch (error) {
        const index = this.sinks.indexOf(sink)
        if (index >= 0) this.sinks.splice(index, 1)
        this.onSinkError(error)
      }
    }
  }
}
