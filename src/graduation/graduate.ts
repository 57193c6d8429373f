import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {deferred} from '../deferred.js'
import {ExitCode} from '../exit-codes.js'
import {GraduateError} from '../errors.js'
import type {HookContext, RunHookPhase} from '../hooks/types.js'
import type {HookPhase, HostSpec, ResolvedGraduation} from '../manifest/types.js'
import type {Transport} from '../ssh/transport.js'
import {AppTracker} from './apps.js'
import type {EventBus, GraduationSummary, HookSummary, HostSwitch, Outcome, PlannedApp} from './events.js'
import {type DecisionFailure, GateCoordinator, type HostGates} from './gates.js'
import {HostDirectory, hostKey} from './hosts.js'
import type {Journal} from './journal.js'
import {limiter} from './limit.js'
import {type LockSpec, lockEnvironment, unlockEnvironment, warnIfLocked} from './lock.js'
import {describeRevisions} from './describe-plan.js'
import {type Planner, appNamed, promotionPlanner} from './planner.js'
import {type PreflightFacts, preflight} from './preflight.js'
import {graduationRecord, storeRecord} from './record.js'
import {awaitReleaseTail} from './release-tail.js'
import type {DokkuHost} from './remote.js'
import {settleAndDisarm} from './settle-gates.js'
import {switchTogether} from './switch.js'
import {type PushResult, cacheRepoFor, deployImageTo, ensureRevision, pushRevisionTo} from './transfer.js'
import {verifyAborted, verifyReleased} from './verify.js'
import {waitForHolds} from './wait-for-holds.js'

export interface GraduateOptions {
  id: string
  bus: EventBus
  transport: Transport
  journal: Journal
  runHooks: RunHookPhase
  /** Who is graduating (user@machine, CI job), for the lock and the record. */
  owner: string
  /** Where the local git cache lives. */
  cacheDir: string
  dryRun: boolean
  /** Asks the operator to confirm the plan; absent means confirmed (--yes). */
  confirm?: (plan: PlannedApp[]) => Promise<boolean>
  /** Aborting it (Ctrl-C) before the decision aborts every gate. */
  signal?: AbortSignal
  /** Which revisions the apps get: the source's (default) or, for a rollback, a record's. */
  planner?: Planner
  /** --accept-drift: config keys the target lacks are reported, not refused. */
  acceptDrift?: boolean
  /** --accept-new-host-keys: an unknown host key is accepted and recorded in known_hosts; a changed one is still refused. */
  acceptNewHostKeys?: boolean
}


/**
 * The graduation protocol of DESIGN.md §2, top to bottom: connect → preflight → lock → plan →
 * confirm → PRE hooks → arm and deploy in parallel until every app is held → POST hooks → release
 * all (or abort all) → verify → record → unlock → released/aborted hooks → summary.
 * Failures that change nothing come back as a `refused` summary with their exit code; once gates are
 * armed, every path ends with a decision sent to every gate.
 */
export async function graduate(resolved: ResolvedGraduation, options: GraduateOptions): Promise<GraduationSummary> {
  const run = new Run(resolved, options)
  return run.execute()
}

class Run {
  private readonly started = Date.now()
  private readonly bus: EventBus
  private readonly hosts: HostDirectory
  private readonly lock: LockSpec
  private readonly hookResults: HookSummary[] = []
  private readonly commandMs: number
  private readonly planner: Planner
  private readonly cacheRepo: string
  private tracker: AppTracker | undefined
  private facts: PreflightFacts | undefined
  private plan: PlannedApp[] = []
  private locked: DokkuHost[] = []
  private hookWorkDir: string | undefined
  private switched: HostSwitch[] | undefined

  constructor(
    private readonly resolved: ResolvedGraduation,
    private readonly options: GraduateOptions,
  ) {
    this.bus = options.bus
    this.commandMs = resolved.options.timeouts.commandMs
    this.planner = options.planner ?? promotionPlanner
    this.cacheRepo = cacheRepoFor(options.cacheDir, resolved.manifestPath)
    this.hosts = new HostDirectory(options.transport, options.bus, {
      connectTimeoutMs: resolved.options.timeouts.connectMs,
      ...(options.acceptNewHostKeys === undefined ? {} : {acceptNewHostKeys: options.acceptNewHostKeys}),
    })
    this.lock = {
      env: resolved.to,
      id: options.id,
      owner: options.owner,
      // The lock outlives a dead runner by at most one lease period, like its gates; a running graduation
      // refreshes it a third of a lease apart.
      ttlSeconds: Math.max(10, Math.round(resolved.options.leaseMs / 1000)),
      commandMs: this.commandMs,
    }
  }

  async execute(): Promise<GraduationSummary> {
    try {
      return await this.protocol()
    } finally {
      // Whatever ended the run — an outcome or an unexpected error — the lock never outlives it.
      await this.unlock()
    }
  }

  /** Releases the environment lock once; later calls do nothing. */
  private async unlock(): Promise<void> {
    const locked = this.locked
    this.locked = []
    if (locked.length > 0) await unlockEnvironment(locked, this.lock, this.bus)
  }

  private async protocol(): Promise<GraduationSummary> {
    const {resolved, bus} = this
    const rollbackOf = this.planner.rollbackOf === undefined ? {} : {rollbackOf: this.planner.rollbackOf}
    bus.emit({type: 'start', from: resolved.from, to: resolved.to, manifest: resolved.manifestPath, apps: resolved.apps.map((app) => app.name), ...rollbackOf})
    this.journal('started', {from: resolved.from, to: resolved.to, apps: resolved.apps.map((app) => app.name)})
    try {
      await this.prepare()
    } catch (error) {
      if (this.options.signal?.aborted) return this.finishUndeployed('interrupted', ExitCode.Interrupted, 'interrupted before anything was deployed')
      if (error instanceof GraduateError) {
        await this.unlock()
        // Exit 2 promises that nothing was contacted, and hosts were by now: a late refusal that changed nothing is a 3.
        const exitCode = error.exitCode === ExitCode.Usage ? ExitCode.Preflight : error.exitCode
        return this.summary('refused', exitCode, oneLine(error), error.hint)
      }
      throw error
    }

    const changed = this.plan.filter((entry) => entry.action === 'deploy')
    if (this.options.dryRun) return this.finishUndeployed('dry-run', ExitCode.Graduated)
    if (changed.length === 0) return this.finishUndeployed('nothing-to-do', ExitCode.Graduated)
    if (this.options.confirm && !(await this.options.confirm(this.plan))) {
      return this.finishUndeployed('aborted', ExitCode.Aborted, 'the plan was not confirmed; nothing was changed')
    }
    if (this.options.signal?.aborted) return this.finishUndeployed('interrupted', ExitCode.Interrupted, 'interrupted before anything was deployed')

    this.hookWorkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-hooks-'))
    try {
      return await this.deployAndDecide(changed)
    } finally {
      fs.rmSync(this.hookWorkDir, {recursive: true, force: true})
    }
  }

  /** Phases 1–4: connect, preflight (read-only), lock, plan. Nothing on any host changes here but the lock (not taken in a dry run). */
  private async prepare(): Promise<void> {
    const {resolved, bus, options} = this
    bus.emit({type: 'stage', stage: 'connect'})
    await this.hosts.connectAll(resolved.apps.flatMap((app) => (this.planner.readSources ? [app.source.host, app.target.host] : [app.target.host])), options.signal)
    bus.emit({type: 'stage', stage: 'preflight'})
    // What a person reads before saying yes (or instead, in a dry run) is worth a few more reads.
    const forAPerson = options.dryRun || options.confirm !== undefined
    this.facts = await preflight(resolved.apps, {
      hosts: this.hosts,
      bus,
      commandMs: this.commandMs,
      signal: options.signal,
      detail: forAPerson ? 'all' : 'minimal',
      driftAllowed: resolved.driftAllowed,
      acceptDrift: options.acceptDrift === true,
      readSources: this.planner.readSources,
      targetEnv: resolved.to,
    })
    const context = {resolved, facts: this.facts, hosts: this.hosts}
    this.plan = await this.planner.plan({...context, commandMs: this.commandMs, signal: options.signal})
    if (forAPerson) {
      this.plan = await describeRevisions(this.plan, {
        repo: this.cacheRepo,
        originsFor: (entry) => this.planner.origins(entry, context),
        timeoutMs: resolved.options.timeouts.deployMs,
        signal: options.signal,
        warn: (entry, message) => bus.emit({type: 'warning', host: entry.host, app: entry.app, message}),
      })
    }
    this.tracker = new AppTracker(this.plan, bus)
    const targets = distinct(resolved.apps.map((app) => app.target.host)).map((spec) => this.hosts.get(spec))
    if (options.dryRun) {
      // A dry run changes nothing on any host, the lock included: it only reads whether a run now would find it held.
      await warnIfLocked(targets, this.lock, bus)
    } else {
      bus.emit({type: 'stage', stage: 'lock'})
      this.locked = await lockEnvironment(targets, this.lock, bus)
    }
    bus.emit({type: 'stage', stage: 'plan'})
    bus.emit({type: 'plan', apps: this.plan, skippedEnvironments: resolved.skipped})
    this.journal('planned', {apps: this.plan.map(({app, host, targetApp, from, to, action}) => ({app, host, targetApp, from, to, action}))})
  }

  /** Phases 5–9 for the apps that change. */
  private async deployAndDecide(changed: PlannedApp[]): Promise<GraduationSummary> {
    const {bus, resolved} = this
    const tracker = this.tracker!
    bus.emit({type: 'stage', stage: 'pre-hooks'})
    this.journal('pre-hooks')
    const pre = await this.runHooks('pre', {signal: this.options.signal})
    if (!pre.ok) {
      await this.afterHooks('aborted')
      if (this.options.signal?.aborted) return this.finishUndeployed('interrupted', ExitCode.Interrupted, 'interrupted during the PRE hooks, before anything was deployed')
      return this.finishUndeployed('aborted', ExitCode.Aborted, pre.cause)
    }

    bus.emit({type: 'stage', stage: 'deploy'})
    const gates = new GateCoordinator(this.options.id, this.gateHosts(changed), {
      leaseSeconds: Math.round(resolved.options.leaseMs / 1000),
      switchWaitSeconds: gateSwitchBoundSeconds(resolved.options.timeouts.switchMs),
      commandMs: this.commandMs,
      bus,
      lock: this.lock,
    })
    this.journal('arming', {apps: changed.map((entry) => entry.app)})
    // Once the decision is to abort, no transfer that has not started yet may begin a deploy. Fetching
    // from the sources needs no gate, so it starts while the gates are armed; no push starts before they are.
    const noMoreTransfers = new AbortController()
    const arming = gates.arm(new Map(changed.map((entry) => [`${entry.host}/${entry.targetApp}`, entry.to])))
    const pushes = this.startTransfers(changed, noMoreTransfers.signal, arming)
    try {
      await arming
    } catch (error) {
      noMoreTransfers.abort()
      await Promise.allSettled(pushes.values())
      // Some gates may already be armed: tell each of them, so nothing waits for a lease to end.
      await gates.decide('abort')
      await gates.disarm()
      await this.afterHooks('aborted')
      return this.finishUndeployed('aborted', ExitCode.Aborted, `arming the gates failed: ${oneLine(error)}`)
    }
    gates.startRenewals()

    const holds = await waitForHolds({apps: changed, pushes, gates, tracker, deadlineMs: resolved.options.timeouts.deployMs, ...(this.options.signal ? {signal: this.options.signal} : {})})
    let decision: 'release' | 'abort' = holds.ok ? 'release' : 'abort'
    let cause = holds.ok ? undefined : holds.cause
    let interrupted = !holds.ok && holds.interrupted
    if (holds.ok) {
      bus.emit({type: 'stage', stage: 'post-hooks'})
      this.journal('post-hooks')
      // The hold timeout stops the POST hooks themselves, not just the wait for them.
      const holdLimit = AbortSignal.timeout(resolved.options.timeouts.holdMs)
      const post = await this.runHooks(this.planner.holdPhase, {signal: this.options.signal ? AbortSignal.any([this.options.signal, holdLimit]) : holdLimit})
      if (!post.ok) {
        decision = 'abort'
        cause = holdLimit.aborted ? `the ${this.planner.holdPhase === 'post' ? 'POST' : 'rollback'} hooks did not finish within the hold timeout (${Math.round(resolved.options.timeouts.holdMs / 1000)} s)` : post.cause
        interrupted = Boolean(this.options.signal?.aborted) && !holdLimit.aborted
      } else if (this.options.signal?.aborted) {
        decision = 'abort'
        cause = 'interrupted before the decision'
        interrupted = true
      } else {
        // Only a hold that is still in place can be released: a gate whose lease ran out while the
        // hooks ran has aborted its deploy already, and releasing the others would leave a mixed environment.
        const lapsed = await this.lapsedHolds(gates, changed)
        if (lapsed !== undefined) {
          decision = 'abort'
          cause = lapsed
        }
      }
    }

    // The decision is written down before it is acted on.
    this.journal('decided', {decision, ...(cause === undefined ? {} : {cause})})
    if (decision === 'abort') noMoreTransfers.abort()
    bus.emit({type: 'decision', decision, ...(cause === undefined ? {} : {reason: cause})})
    const hostFor = (entry: PlannedApp) => this.hosts.get(this.targetSpec(entry.app))
    const repair = (app: string) => this.planner.repair(app, resolved)
    let outcome: Outcome
    let exitCode: ExitCode
    // Once every deploy has ended the gates are disarmed, while the live revisions are read.
    let disarming: Promise<void> | undefined
    if (decision === 'release') {
      bus.emit({type: 'stage', stage: 'release'})
      for (const entry of changed) tracker.set(entry.app, 'releasing')
      const undelivered = new Map<string, DecisionFailure>()
      const deadline = Date.now() + resolved.options.timeouts.deployMs
      // Each host is asked about its switch as soon as its gates hold the release, not after the slowest host.
      const delivery = new Map(gates.armed.map((host) => [host.host.label, deferred<boolean>()]))
      const switching = this.switchTogether(gates, (host) => delivery.get(host)!.promise, deadline)
      for (const failure of await gates.decide('release', (host, delivered) => delivery.get(host)?.resolve(delivered))) {
        undelivered.set(failure.host, failure)
        bus.emit({
          type: 'warning',
          host: failure.host,
          message: `could not deliver the release to ${failure.apps.join(', ')} before their lease ended at ${failure.leaseEndsAt.toISOString()} (${failure.error.message}); those apps stay on their old release`,
        })
      }
      const tail = await awaitReleaseTail({
        entries: changed,
        pushes,
        deadline,
        // A host the release never reached cannot be asked either; its gate ends the hold at its lease's end.
        awaitDeployEnd: async (entry, deadline) => undelivered.has(hostFor(entry).label) || this.awaitDeployEnd(hostFor(entry), entry.targetApp, deadline),
        onWaiting: (apps, sinceDecisionMs) => bus.emit({type: 'deploys-running', apps, sinceDecisionMs}),
      })
      this.switched = await switching
      bus.emit({type: 'stage', stage: 'verify'})
      disarming = this.disarmGates(gates)
      const warn = (message: string) => bus.emit({type: 'warning', message})
      const partial = await verifyReleased(changed, {tail, undelivered, deployTimeoutMs: resolved.options.timeouts.deployMs}, hostFor, tracker, {commandMs: this.commandMs, repair, warn})
      outcome = partial.length === 0 ? 'graduated' : 'partial'
      exitCode = partial.length === 0 ? ExitCode.Graduated : ExitCode.Partial
      if (partial.length > 0) cause = `${partial.join(', ')} did not go live after the release was decided`
    } else {
      bus.emit({type: 'stage', stage: 'abort'})
      for (const entry of changed) if (tracker.state(entry.app) !== 'failed') tracker.set(entry.app, 'aborting')
      for (const failure of await gates.decide('abort')) {
        bus.emit({
          type: 'warning',
          host: failure.host,
          message: `could not tell ${failure.host} to abort ${failure.apps.join(', ')} (${failure.error.message}); its gates abort on their own by ${failure.leaseEndsAt.toISOString()}, when their lease ends`,
        })
      }
      // An aborted deploy ends soon after its gate lets go (the gate then removes its containers); its
      // end is awaited so the gates can be disarmed, under the same bound as a released one.
      await awaitReleaseTail({
        entries: changed,
        pushes,
        deadline: Date.now() + resolved.options.timeouts.deployMs,
        onWaiting: (apps, sinceDecisionMs) => bus.emit({type: 'deploys-running', apps, sinceDecisionMs}),
      })
      bus.emit({type: 'stage', stage: 'verify'})
      disarming = this.disarmGates(gates)
      const wentLive = await verifyAborted(changed, hostFor, tracker, {commandMs: this.commandMs, repair})
      if (wentLive.length > 0) {
        outcome = 'partial'
        exitCode = ExitCode.Partial
        cause = `${cause}, but ${wentLive.join(', ')} went live anyway`
      } else {
        outcome = interrupted ? 'interrupted' : 'aborted'
        exitCode = interrupted ? ExitCode.Interrupted : ExitCode.Aborted
      }
    }
    await (disarming ?? this.disarmGates(gates))

    bus.emit({type: 'stage', stage: 'record'})
    const preliminary = this.buildSummary(outcome, exitCode, cause)
    // The record's command also releases each host's lock (one round trip for both); a host that did not is unlocked below.
    const record = graduationRecord({id: this.options.id, owner: this.options.owner, startedAt: this.started}, preliminary)
    const unlocked = await storeRecord(this.locked, resolved.to, record, {commandMs: this.commandMs, bus, unlock: this.lock.id})
    this.locked = this.locked.filter((host) => !unlocked.includes(host))
    bus.emit({type: 'stage', stage: 'unlock'})
    await this.unlock()
    // The `aborted` hooks run only when nothing went live and the `released` ones only when everything
    // did: a partial outcome runs neither (exit 5 and the summary's repair commands say what to do).
    if (outcome !== 'partial') await this.afterHooks(outcome === 'graduated' ? 'released' : 'aborted')
    return this.summary(outcome, exitCode, cause)
  }

  /**
   * Whether Dokku finished the app's deploy before `deadline`, for a deploy whose stream was cut: the
   * gate refuses to disarm an app while Dokku's deploy lock is held, so a successful disarm means the
   * deploy has ended. A host that cannot be asked is asked again until the deadline.
   */
  private async awaitDeployEnd(host: DokkuHost, app: string, deadline: number): Promise<boolean> {
    for (;;) {
      try {
        const left = await settleAndDisarm(host, this.options.id, [app], {commandMs: this.commandMs, deadline})
        return left.length === 0
      } catch (error) {
        if (Date.now() + 2000 >= deadline) {
          this.bus.emit({type: 'warning', host: host.label, app, message: `could not ask whether Dokku finished deploying ${app}: ${oneLine(error)}`})
          return false
        }
        await new Promise((resolve) => setTimeout(resolve, 2000))
      }
    }
  }

  /**
   * The second hold point: once every released deploy is at its nginx reload, one switch to every host
   * at once. Reports which apps each host switched together and warns about any that went alone.
   */
  private async switchTogether(gates: GateCoordinator, delivered: (host: string) => Promise<boolean>, deadline: number): Promise<HostSwitch[]> {
    const started = Date.now()
    const plan = this.plan
    const nameOf = (host: string, app: string) => plan.find((entry) => entry.host === host && entry.targetApp === app)?.app ?? app
    const reached = new Set<string>()
    const deliveredTo = async (host: string) => {
      const arrived = await delivered(host)
      if (arrived) reached.add(host)
      return arrived
    }
    const switched = await switchTogether({id: this.options.id, hosts: [...gates.armed], delivered: deliveredTo, waitMs: this.resolved.options.timeouts.switchMs, deadline, commandMs: this.commandMs, nameOf})
    this.bus.emit({type: 'switch', hosts: switched, waitedMs: Date.now() - started})
    // A host the release never reached has a warning of its own (its apps stay on their old release).
    for (const host of switched.filter((host) => reached.has(host.host))) {
      for (const {app, why} of host.alone) this.bus.emit({type: 'warning', host: host.host, app, message: `${app} did not switch together with the others: ${why}`})
    }
    return switched
  }

  /** Why some held deploy can no longer be released (its gate ended the hold), or undefined when every one still waits. */
  private async lapsedHolds(gates: GateCoordinator, changed: PlannedApp[]): Promise<string | undefined> {
    const statuses = await gates.status()
    for (const entry of changed) {
      const status = statuses.get(`${entry.host}/${entry.targetApp}`)
      if (status === undefined) return `${entry.host} could not confirm that ${entry.app} is still held`
      if (status.state !== 'held') {
        this.tracker!.set(entry.app, 'failed', `${entry.app}'s gate on ${entry.host} is ${status.state}${status.reason ? ` (${status.reason})` : ''}`)
        return `${entry.app} on ${entry.host} is no longer held (${status.state}) when the release was due`
      }
    }
    return undefined
  }

  private async disarmGates(gates: GateCoordinator): Promise<void> {
    await gates.stopRenewals()
    await gates.disarm()
  }

  /**
   * Fetches each source revision and pushes it to its target, at most `concurrency` at once per target
   * host; nothing is pushed before `armed` resolves (and nothing at all if it rejects).
   */
  private startTransfers(changed: PlannedApp[], stop: AbortSignal, armed: Promise<void>): Map<string, Promise<PushResult>> {
    const {resolved, tracker} = this
    const timeouts = resolved.options.timeouts
    const limits = new Map<string, ReturnType<typeof limiter>>()
    const transfers = new Map<string, Promise<PushResult>>()
    for (const entry of changed) {
      const app = appNamed(resolved, entry.app)
      const limit = limits.get(entry.host) ?? limiter(resolved.options.concurrency)
      limits.set(entry.host, limit)
      const notStarted = (): PushResult => ({exitCode: null, lines: [], classification: {outcome: 'failed', failedChecks: [], detail: 'not started: the graduation was aborted first'}, liveAt: null})
      const isArmed = armed.then(
        () => true,
        () => false,
      )
      const task = async (): Promise<PushResult> => {
        if (stop.aborted) return notStarted()
        if (entry.strategy === 'image') {
          if (!(await isArmed) || stop.aborted) return notStarted()
          tracker!.set(entry.app, 'pushing')
          // Like a push, the deploy is never cut by an interrupt: the decision goes to the gate.
          return deployImageTo({
            host: this.hosts.get(app.target.host),
            app: app.target.app,
            image: entry.to,
            timeoutMs: transferTimeoutMs(timeouts),
            onLine: (line) => tracker!.line(entry.app, line.text),
          })
        }
        try {
          tracker!.set(entry.app, 'fetching')
          await ensureRevision({
            repo: this.cacheRepo,
            sha: entry.to,
            origins: this.planner.origins(entry, {resolved, facts: this.facts!, hosts: this.hosts}),
            timeoutMs: timeouts.deployMs,
            signal: stop,
          })
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error))
          return {exitCode: null, lines: [], classification: {outcome: 'failed', failedChecks: [], detail: failure.message}, liveAt: null, error: failure}
        }
        if (!(await isArmed) || stop.aborted) return notStarted()
        tracker!.set(entry.app, 'pushing')
        // The push is never cut by an interrupt: its client going away does not stop the deploy
        // (observed §4); the decision goes to the gate, and the push reports what happened.
        return pushRevisionTo({
          connection: this.hosts.get(app.target.host).connection,
          repo: this.cacheRepo,
          remote: this.hosts.remoteUrl(app.target.host, app.target.app),
          sha: entry.to,
          branch: this.facts!.targets.get(entry.app)!.deployBranch,
          timeoutMs: transferTimeoutMs(timeouts),
          onLine: (line) => tracker!.line(entry.app, line.text),
        })
      }
      transfers.set(entry.app, limit(task))
    }
    return transfers
  }

  private gateHosts(changed: PlannedApp[]): HostGates[] {
    const byHost = new Map<string, HostGates>()
    for (const entry of changed) {
      const host = this.hosts.get(this.targetSpec(entry.app))
      const group = byHost.get(host.label) ?? {host, apps: []}
      group.apps.push(entry.targetApp)
      byHost.set(host.label, group)
    }
    return [...byHost.values()]
  }

  private targetSpec(app: string): HostSpec {
    return this.resolved.apps.find((candidate) => candidate.name === app)!.target.host
  }

  /**
   * Runs one phase's hooks. `signal` stops them (an interrupt, the hold timeout); without one they
   * run to their own timeouts — the released/aborted hooks still run after an interrupt.
   */
  private async runHooks(phase: HookPhase, options: {outcome?: HookContext['outcome']; signal?: AbortSignal | undefined} = {}): Promise<{ok: true} | {ok: false; cause: string}> {
    const hooks = this.resolved.hooks[phase]
    if (hooks.length === 0) return {ok: true}
    const result = await this.options.runHooks(hooks, this.hookContext(phase, options.outcome), {
      connect: async (spec) => (await this.hosts.connect(spec, options.signal)).connection,
      emit: (body) => this.bus.emit(body),
      workDir: this.hookWorkDir!,
      ...(options.signal ? {signal: options.signal} : {}),
    })
    this.hookResults.push(...result.hooks)
    if (result.ok) return {ok: true}
    return {ok: false, cause: result.cause ?? `the ${phase} hook "${result.failed?.label ?? '?'}" failed`}
  }

  private async afterHooks(outcome: 'released' | 'aborted'): Promise<void> {
    this.bus.emit({type: 'stage', stage: 'after-hooks'})
    const result = await this.runHooks(outcome === 'released' ? 'released' : 'aborted', {outcome})
    if (!result.ok) this.bus.emit({type: 'warning', message: `${result.cause}; the graduation's outcome stands`})
  }

  private hookContext(phase: HookPhase, outcome?: HookContext['outcome']): HookContext {
    return {
      id: this.options.id,
      from: this.resolved.from,
      to: this.resolved.to,
      phase,
      ...(outcome === undefined ? {} : {outcome}),
      apps: this.plan.map((entry) => ({
        app: entry.app,
        source: {host: entry.sourceHost, app: entry.sourceApp, rev: entry.to},
        target: {host: entry.host, app: entry.targetApp, from: entry.from, to: entry.to},
        action: entry.action,
      })),
    }
  }

  private async finishUndeployed(outcome: Outcome, exitCode: ExitCode, cause?: string): Promise<GraduationSummary> {
    this.bus.emit({type: 'stage', stage: 'unlock'})
    await this.unlock()
    return this.summary(outcome, exitCode, cause)
  }

  private buildSummary(outcome: Outcome, exitCode: ExitCode, cause?: string, hint?: string): GraduationSummary {
    return {
      outcome,
      exitCode,
      from: this.resolved.from,
      to: this.resolved.to,
      ...(cause === undefined ? {} : {cause}),
      ...(hint === undefined ? {} : {hint}),
      apps: this.tracker?.summaries() ?? [],
      hooks: this.hookResults,
      flipSkewMs: this.tracker?.flipSkewMs() ?? null,
      ...(this.switched === undefined ? {} : {switch: this.switched}),
      durationMs: Date.now() - this.started,
      ...(this.planner.rollbackOf === undefined ? {} : {rollbackOf: this.planner.rollbackOf}),
    }
  }

  private summary(outcome: Outcome, exitCode: ExitCode, cause?: string, hint?: string): GraduationSummary {
    const result = this.buildSummary(outcome, exitCode, cause, hint)
    this.journal('finished', {outcome, exitCode, ...(cause === undefined ? {} : {cause})})
    this.bus.emit({type: 'summary', ...result})
    return result
  }

  private journal(step: string, details: Record<string, unknown> = {}): void {
    this.options.journal.write(step, details)
  }
}

/**
 * A transfer's own backstop: it streams the deploy until Dokku ends it, which may be up to the deploy
 * timeout to the hold, the hold timeout (POST hooks), then the deploy timeout again for the tail after
 * the decision. The protocol's own deadlines end the graduation long before this cuts a stream.
 */
function transferTimeoutMs(timeouts: ResolvedGraduation['options']['timeouts']): number {
  return 2 * timeouts.deployMs + timeouts.holdMs + 60_000
}

/**
 * How long a released deploy may wait at the nginx switch before it reloads on its own: twice graduate's
 * own wait, so that while graduate runs its switch normally comes first (an app that reaches the switch
 * more than this before the last of its host's apps still goes alone, and says so), and a deploy whose
 * graduate died switches soon after.
 */
function gateSwitchBoundSeconds(switchMs: number): number {
  return 2 * Math.ceil(switchMs / 1000)
}

function distinct(specs: HostSpec[]): HostSpec[] {
  return [...new Map(specs.map((spec) => [hostKey(spec), spec])).values()]
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.replace(/\s*\n\s*/g, '; ')
}
