import type {AppResult, AppState, AppView, EventSink, GraduationEvent, GraduationEventBody, GraduationStage} from '../graduation/events.js'
import type {HookPhase} from '../manifest/types.js'
import {describeApp, type AppStatus} from './app-status.js'
import {dokkuErrors} from './dokku-lines.js'
import {cleanLine, formatDuration} from './format.js'
import {hookName, hookPhaseName} from './hook-name.js'
import {Drawing, Section} from './listr-bridge.js'
import {describeLockHolder} from './lock-holder.js'
import {countPlan} from './plan-table.js'
import {createStyle, type Style} from './style.js'
import {describeSwitch} from './switch-words.js'

export interface TaskUiOptions {
  /** The terminal listr draws on: stderr in the command. */
  stream: NodeJS.WriteStream
  color: boolean
  /** Spinners and timed redraws (default); off, listr redraws only when something changes, for tests. */
  animate?: boolean
  /** The graduation's apps as its tracker holds them now (EventBus.apps): what app tasks show. */
  apps: () => readonly AppView[]
}

export interface TaskUi {
  sink: EventSink
  /**
   * Stops drawing so the terminal can be used for a prompt: the tasks drawn so far end as they stand and
   * stay on screen. The next event starts a new drawing below. Meant for the confirmation between the
   * plan and the PRE hooks, when no app is deploying.
   */
  suspend(): Promise<void>
  /** Ends every task still open and resolves once listr has drawn its last frame; later events are ignored. */
  done(): Promise<void>
}

/**
 * The terminal view of a graduation (listr2, on stderr): each stage a task, the deploy a task with one
 * subtask per planned app whose title follows the app's state, hook phases as tasks that show their
 * hook's last output lines. It renders the same events as the plain and JSON output.
 */
export function createTaskUi(options: TaskUiOptions): TaskUi {
  const board = new TaskBoard(options)
  return {
    sink: (event) => board.receive(event),
    suspend: () => board.suspend(),
    done: () => board.done(),
  }
}

const HOOK_LINES = 5
/** Lines under a failed app: Dokku's error lines if it printed any, else the last lines of its deploy. */
const APP_FAILURE_LINES = 5
/** States only a deploy in progress reaches: an app event in one of them opens the deploy task. */
const DEPLOYING: ReadonlySet<AppState> = new Set(['fetching', 'pushing', 'held', 'releasing', 'aborting'])
const RESULTS: ReadonlySet<AppState> = new Set<AppResult>(['live', 'skipped', 'aborted', 'failed', 'partial'])
/** The deploy task's title counts apps by what they are doing, in this order. */
const STATE_GROUPS: ReadonlyArray<[string, AppState[]]> = [
  ['deploying', ['planned', 'fetching', 'pushing']],
  ['held', ['held']],
  ['releasing', ['releasing']],
  ['live', ['live']],
  ['aborting', ['aborting']],
  ['aborted', ['aborted']],
  ['failed', ['failed']],
  ['PARTIAL', ['partial']],
  ['unchanged', ['skipped']],
]

type EventOf<T extends GraduationEventBody['type']> = Extract<GraduationEvent, {type: T}>

interface HookView {
  phase: HookPhase
  section: Section
  results: string[]
  lines: string[]
}

class TaskBoard {
  private readonly style: Style
  private readonly animate: boolean
  private env = ''
  private readonly appTasks = new Map<string, Section>()
  private readonly settledApps = new Set<string>()
  private deploy: Section | undefined
  private stage: GraduationStage | undefined
  private current: Section | undefined
  private hooks: HookView | undefined
  private stageCounts = {hosts: 0, failedHosts: [] as string[], problems: 0, warnings: 0, locked: 0, unlocked: 0}
  private decisionReason: string | undefined
  private drawing: Drawing | undefined
  private drawn: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly options: TaskUiOptions) {
    this.style = createStyle(options.color)
    this.animate = options.animate ?? true
  }

  receive(event: GraduationEvent): void {
    if (this.closed) return
    this.env = event.env
    switch (event.type) {
      case 'start':
        return
      case 'stage':
        return this.enterStage(event.stage)
      case 'host':
        return this.onHost(event)
      case 'problem':
        return this.onProblem(event)
      case 'lock':
        return this.onLock(event)
      case 'plan':
        return this.onPlan(event)
      case 'app':
        return this.onApp(event)
      case 'app-output':
        return this.onAppOutput(event)
      case 'hook':
        return this.onHook(event)
      case 'hook-output':
        return this.onHookOutput(event)
      case 'decision':
        this.decisionReason = event.reason
        if (this.stage === 'abort') this.current?.retitle(this.abortTitle())
        return
      case 'deploys-running':
        if (this.stage === 'release' || this.stage === 'abort') {
          const title = this.stage === 'release' ? 'Release every app' : this.abortTitle()
          this.current?.retitle(event.apps.length === 0 ? title : `${title}: waiting for Dokku to finish ${event.apps.join(', ')}… (${formatDuration(event.sinceDecisionMs)})`)
        }
        return
      case 'switch':
        return this.note(`switch: ${describeSwitch(event.hosts)}`)
      case 'warning':
        return this.note(`warning: ${[event.host, event.app].filter(Boolean).join(' ')}${event.host || event.app ? ': ' : ''}${event.message}`)
      case 'summary':
        return this.onSummary(event)
    }
  }

  async suspend(): Promise<void> {
    this.endStage()
    for (const app of [...this.appTasks.keys()]) this.settleApp(app, {kind: 'skipped'})
    await this.endDrawing()
  }

  async done(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      for (const app of [...this.appTasks.keys()]) this.settleApp(app, {kind: 'failed', detail: ['graduate stopped before this app finished']})
      this.endStage()
    }
    await this.endDrawing()
  }

  private enterStage(stage: GraduationStage): void {
    this.endStage()
    this.stage = stage
    this.stageCounts = {hosts: 0, failedHosts: [], problems: 0, warnings: 0, locked: 0, unlocked: 0}
    // Hook stages draw a task only once a hook runs: most phases have none.
    if (stage === 'pre-hooks' || stage === 'post-hooks' || stage === 'after-hooks') return
    if (stage === 'deploy') return this.openDeploy()
    this.current = this.show(new Section(this.stageTitle(stage), {outputLines: Infinity, keepOutput: true}))
  }

  /** Ends the stage's own task (with its final title) and any hook task; the deploy task ends with its apps. */
  private endStage(): void {
    this.endHooks()
    const current = this.current
    this.current = undefined
    if (!current?.isOpen) return
    const final = this.finalStageTitle(current)
    if (final) current.retitle(final)
    current.finish()
  }

  private stageTitle(stage: Exclude<GraduationStage, 'pre-hooks' | 'post-hooks' | 'after-hooks' | 'deploy'>): string {
    switch (stage) {
      case 'connect':
        return 'Connect to the hosts'
      case 'preflight':
        return 'Preflight checks'
      case 'lock':
        return `Lock ${this.env}`
      case 'plan':
        return 'Plan'
      case 'release':
        return 'Release every app'
      case 'abort':
        return this.abortTitle()
      case 'verify':
        return 'Verify what each app serves'
      case 'record':
        return 'Record the graduation'
      case 'unlock':
        return `Unlock ${this.env}`
    }
  }

  private finalStageTitle(section: Section): string | undefined {
    const counts = this.stageCounts
    if (this.stage === 'preflight') {
      if (section.hasFailed) return `Preflight failed: ${plural(counts.problems, 'problem')}`
      return counts.warnings > 0 ? `Preflight passed with ${plural(counts.warnings, 'warning')}` : 'Preflight passed'
    }
    return undefined
  }

  private abortTitle(): string {
    return `Abort every app${this.decisionReason ? `: ${this.decisionReason}` : ''}`
  }

  private onHost(event: EventOf<'host'>): void {
    const current = this.current
    if (this.stage !== 'connect' || !current) {
      if (event.state === 'failed') this.note(`could not connect to ${event.host}${event.message ? `: ${event.message}` : ''}`)
      return
    }
    const counts = this.stageCounts
    if (event.state === 'connected') counts.hosts++
    else {
      counts.failedHosts.push(event.host)
      current.noteFailure(`${event.host}: ${event.message ?? 'connection failed'}`)
    }
    current.retitle(counts.failedHosts.length > 0 ? `Could not connect to ${counts.failedHosts.join(', ')}` : `Connected to ${plural(counts.hosts, 'host')}`)
  }

  private onProblem(event: EventOf<'problem'>): void {
    const line = `${event.host}${event.app ? ` ${event.app}` : ''}: ${event.message}${event.fix ? ` — fix: ${event.fix}` : ''}`
    if (event.severity === 'warning') {
      this.stageCounts.warnings++
      this.note(`warning: ${line}`)
      return
    }
    this.stageCounts.problems++
    if (this.current) this.current.noteFailure(line)
    else this.note(`error: ${line}`)
  }

  private onLock(event: EventOf<'lock'>): void {
    const current = this.current
    switch (event.state) {
      case 'acquired':
      case 'taken-over':
        this.stageCounts.locked++
        if (this.stage === 'lock') current?.retitle(`Locked ${this.env} on ${plural(this.stageCounts.locked, 'host')}`)
        return
      case 'held':
        if (current) {
          current.noteFailure(`${this.env} is locked on ${event.host} by ${describeLockHolder(event, event.ts)}`)
          current.retitle(`${this.env} is locked by ${event.owner ?? 'another graduation'}`)
        } else this.note(`${this.env} is locked on ${event.host} by ${describeLockHolder(event, event.ts)}`)
        return
      case 'released':
        this.stageCounts.unlocked++
        if (this.stage === 'unlock') current?.retitle(`Unlocked ${this.env} on ${plural(this.stageCounts.unlocked, 'host')}`)
        return
    }
  }

  private onPlan(event: EventOf<'plan'>): void {
    if (this.stage === 'plan') this.current?.retitle(`Plan: ${countPlan(event.apps)}`)
  }

  private openDeploy(): void {
    if (this.deploy?.isOpen) return
    const apps = this.options.apps()
    const children: Section[] = []
    for (const view of apps.filter((entry) => !this.settledApps.has(entry.app))) {
      const task = new Section(this.appTitle(view), {outputLines: 1, keepOutput: false})
      this.appTasks.set(view.app, task)
      children.push(task)
    }
    this.deploy = this.show(new Section(this.deployTitle(apps), {outputLines: Infinity, keepOutput: true, children}))
    for (const view of apps) if (view.state === 'skipped') this.settleApp(view.app, {kind: 'skipped'})
  }

  private onApp(event: EventOf<'app'>): void {
    if (!this.deploy?.isOpen && DEPLOYING.has(event.state)) this.openDeploy()
    const apps = this.options.apps()
    const view = apps.find((entry) => entry.app === event.app)
    const task = this.appTasks.get(event.app)
    if (task && view) {
      task.retitle(this.appTitle(view))
      if (RESULTS.has(view.state)) this.settleApp(view.app, appEnding(view.state, view.lastLines))
    }
    this.deploy?.retitle(this.deployTitle(apps))
  }

  private onAppOutput(event: EventOf<'app-output'>): void {
    const line = cleanLine(event.line)
    if (line !== '') this.appTasks.get(event.app)?.output(line)
  }

  private appTitle(view: AppStatus & {plan: AppView['plan']}): string {
    return describeApp(view, view.plan, this.style)
  }

  private settleApp(app: string, ending: Parameters<Section['end']>[0]): void {
    this.appTasks.get(app)?.end(ending)
    this.appTasks.delete(app)
    this.settledApps.add(app)
  }

  /** `results`: what the summary says of apps whose tasks it ended, over what the tracker last announced. */
  private deployTitle(apps: readonly AppView[], results: ReadonlyMap<string, AppState> = new Map()): string {
    const states = apps.map((view) => results.get(view.app) ?? view.state)
    const counts = STATE_GROUPS.map(([word, members]) => [word, states.filter((state) => members.includes(state)).length] as const)
      .filter(([, count]) => count > 0)
      .map(([word, count]) => `${count} ${word}`)
    return `Deploy to ${this.env}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`
  }

  private onHook(event: EventOf<'hook'>): void {
    const hooks = this.hookView(event.phase)
    const name = hookName(event.phase, event.label)
    const took = event.durationMs === undefined ? '' : ` after ${formatDuration(event.durationMs)}`
    switch (event.state) {
      case 'start':
        hooks.lines = []
        hooks.section.retitle(name)
        return
      case 'ok':
        hooks.results.push(`${name} ok${event.durationMs === undefined ? '' : ` in ${formatDuration(event.durationMs)}`}`)
        return
      case 'failed':
      case 'timeout': {
        const what = event.state === 'failed' ? `failed with exit code ${event.exitCode ?? 'unknown'}${took}` : `timed out${took}`
        hooks.section.retitle(`${name} ${what}`)
        for (const line of hooks.lines) hooks.section.noteFailure(line)
        if (event.message) hooks.section.noteFailure(event.message)
        // A failed hook ends its phase: the hooks after it do not run.
        hooks.section.finish()
        return
      }
    }
  }

  private onHookOutput(event: EventOf<'hook-output'>): void {
    const hooks = this.hooks
    if (hooks?.phase !== event.phase || !hooks.section.isOpen) return
    const line = cleanLine(event.line)
    hooks.lines.push(line)
    if (hooks.lines.length > HOOK_LINES) hooks.lines.shift()
    if (line !== '') hooks.section.output(line)
  }

  private hookView(phase: HookPhase): HookView {
    if (this.hooks?.phase === phase && this.hooks.section.isOpen) return this.hooks
    this.endHooks()
    this.hooks = {phase, section: this.show(new Section(hookPhaseName(phase), {outputLines: HOOK_LINES, keepOutput: false})), results: [], lines: []}
    return this.hooks
  }

  private endHooks(): void {
    const hooks = this.hooks
    this.hooks = undefined
    if (!hooks?.section.isOpen) return
    if (hooks.results.length === 1) hooks.section.retitle(hooks.results[0]!)
    else if (hooks.results.length > 1) hooks.section.retitle(`${hookPhaseName(hooks.phase)}: ${hooks.results.join(', ')}`)
    hooks.section.finish()
  }

  /** The summary's word on each app still open wins: an app the run left mid-deploy ends aborted. */
  private onSummary(summary: EventOf<'summary'>): void {
    const apps = this.options.apps()
    const results = new Map<string, AppState>()
    for (const app of summary.apps) {
      const task = this.appTasks.get(app.app)
      const view = apps.find((entry) => entry.app === app.app)
      if (!task || !view) continue
      results.set(app.app, app.result)
      task.retitle(this.appTitle({plan: view.plan, app: app.app, host: app.host, state: app.result, rev: app.liveRev ?? undefined, message: app.reason}))
      this.settleApp(app.app, appEnding(app.result, app.lastLines ?? view.lastLines))
    }
    for (const app of [...this.appTasks.keys()]) this.settleApp(app, {kind: 'skipped'})
    this.deploy?.retitle(this.deployTitle(apps, results))
    // A graduation refused mid-stage (a check that threw, say) ends that stage's task as failed.
    if (summary.outcome === 'refused' && this.current?.isOpen && !this.current.hasFailed) this.current.noteFailure(summary.cause ?? 'the graduation was refused')
    this.endStage()
    this.closeDrawing()
  }

  /** A line under the task that fits best: the stage's own, else the deploy's (it stays), else the hooks'. */
  private note(line: string): void {
    const target = this.current ?? (this.deploy?.isOpen ? this.deploy : undefined) ?? (this.hooks?.section.isOpen ? this.hooks.section : undefined)
    if (target) target.output(line)
    else {
      this.current = this.show(new Section('Notes', {outputLines: Infinity, keepOutput: true}))
      this.current.output(line)
    }
  }

  private show(section: Section): Section {
    if (!this.drawing) {
      this.drawing = new Drawing({stream: this.options.stream, animate: this.animate}, this.drawn)
      this.drawn = this.drawing.finished
    }
    this.drawing.add(section)
    return section
  }

  /** The current drawing takes no more tasks and ends with its last one; anything shown later starts a new one. */
  private closeDrawing(): void {
    const drawing = this.drawing
    this.drawing = undefined
    drawing?.close()
  }

  private async endDrawing(): Promise<void> {
    this.closeDrawing()
    await this.drawn
  }
}

function appEnding(state: AppState, lastLines: readonly string[]): Parameters<Section['end']>[0] {
  if (state === 'live') return {kind: 'done'}
  if (state === 'failed' || state === 'partial') {
    const lines = lastLines.map(cleanLine)
    const errors = dokkuErrors(lines)
    return {kind: 'failed', detail: (errors.length > 0 ? errors : lines).slice(-APP_FAILURE_LINES)}
  }
  return {kind: 'skipped'}
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
