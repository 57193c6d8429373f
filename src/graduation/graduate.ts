import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ExitCode} from '../exit-codes.js'
import {GraduateError} from '../errors.js'
import type {RunHookPhase} from '../hooks/types.js'
import type {ResolvedGraduation} from '../manifest/types.js'
import type {Transport} from '../ssh/transport.js'
import type {EventBus, GraduationSummary, PlannedApp} from './events.js'
import type {Journal} from './journal.js'
import type {Planner} from './planner.js'
import {abortAll} from './phases/abort.js'
import {type RunContext, createRunContext, journal, oneLine, unlock} from './phases/context.js'
import {decide} from './phases/decide.js'
import {deployToHolds} from './phases/deploy.js'
import {recordAndFinish} from './phases/finish.js'
import {afterHooks, runHooks} from './phases/hooks.js'
import {type Prepared, lockTargets, prepare, prepareInput} from './phases/prepare.js'
import {releaseAll} from './phases/release.js'
import {finishUndeployed, summarise} from './phases/summary.js'

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
 * The graduation protocol of DESIGN.md §2, top to bottom, one phase a file under phases/: connect →
 * preflight → plan (prepare.ts) → lock (prepare.ts) → confirm → PRE hooks → arm and deploy in parallel
 * until every app is held (deploy.ts) → POST hooks and the decision (decide.ts) → release all
 * (release.ts) or abort all (abort.ts) → verify → record → unlock → released/aborted hooks → summary
 * (finish.ts). Failures that change nothing come back as a `refused` summary with their exit code; once
 * gates are armed, every path ends with a decision sent to every gate.
 */
export async function graduate(resolved: ResolvedGraduation, options: GraduateOptions): Promise<GraduationSummary> {
  const ctx = createRunContext(resolved, options)
  try {
    return await run(ctx)
  } finally {
    // Whatever ended the run — an outcome or an unexpected error — the lock never outlives it.
    await unlock(ctx)
  }
}

async function run(ctx: RunContext): Promise<GraduationSummary> {
  const {resolved, bus, options, planner} = ctx
  const rollbackOf = planner.rollbackOf === undefined ? {} : {rollbackOf: planner.rollbackOf}
  bus.emit({type: 'start', from: resolved.from, to: resolved.to, manifest: resolved.manifestPath, apps: resolved.apps.map((app) => app.name), ...rollbackOf})
  journal(ctx, 'started', {from: resolved.from, to: resolved.to, apps: resolved.apps.map((app) => app.name)})
  let prepared: Prepared | undefined
  try {
    prepared = await prepare(prepareInput(ctx))
    await lockTargets(ctx, prepared)
  } catch (error) {
    const tracker = prepared?.tracker
    if (options.signal?.aborted) return finishUndeployed(ctx, {outcome: 'interrupted', exitCode: ExitCode.Interrupted, cause: 'interrupted before anything was deployed', tracker})
    if (error instanceof GraduateError) {
      await unlock(ctx)
      // Exit 2 promises that nothing was contacted, and hosts were by now: a late refusal that changed nothing is a 3.
      const exitCode = error.exitCode === ExitCode.Usage ? ExitCode.Preflight : error.exitCode
      return summariseRefusal(ctx, exitCode, error, prepared)
    }
    throw error
  }

  const {tracker, plan} = prepared
  const changed = plan.filter((entry) => entry.action === 'deploy')
  if (options.dryRun) return finishUndeployed(ctx, {outcome: 'dry-run', exitCode: ExitCode.Graduated, tracker})
  if (changed.length === 0) return finishUndeployed(ctx, {outcome: 'nothing-to-do', exitCode: ExitCode.Graduated, tracker})
  if (options.confirm && !(await options.confirm(plan))) {
    return finishUndeployed(ctx, {outcome: 'aborted', exitCode: ExitCode.Aborted, cause: 'the plan was not confirmed; nothing was changed', tracker})
  }
  if (options.signal?.aborted) return finishUndeployed(ctx, {outcome: 'interrupted', exitCode: ExitCode.Interrupted, cause: 'interrupted before anything was deployed', tracker})

  ctx.hookWorkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-hooks-'))
  try {
    return await deployAndDecide(ctx, prepared, changed)
  } finally {
    fs.rmSync(ctx.hookWorkDir, {recursive: true, force: true})
    delete ctx.hookWorkDir
  }
}

/** Phases 5–12 for the apps that change. */
async function deployAndDecide(ctx: RunContext, prepared: Prepared, changed: PlannedApp[]): Promise<GraduationSummary> {
  const {tracker, plan} = prepared
  ctx.bus.emit({type: 'stage', stage: 'pre-hooks'})
  journal(ctx, 'pre-hooks')
  const pre = await runHooks(ctx, plan, 'pre', {signal: ctx.options.signal})
  if (!pre.ok) {
    await afterHooks(ctx, plan, 'aborted')
    if (ctx.options.signal?.aborted) {
      return finishUndeployed(ctx, {outcome: 'interrupted', exitCode: ExitCode.Interrupted, cause: 'interrupted during the PRE hooks, before anything was deployed', tracker})
    }
    return finishUndeployed(ctx, {outcome: 'aborted', exitCode: ExitCode.Aborted, cause: pre.cause, tracker})
  }

  const deploying = await deployToHolds(ctx, prepared, changed)
  if (deploying.kind === 'arming-failed') {
    await afterHooks(ctx, plan, 'aborted')
    return finishUndeployed(ctx, {outcome: 'aborted', exitCode: ExitCode.Aborted, cause: deploying.cause, tracker})
  }
  const {deployment} = deploying
  const decision = await decide(ctx, prepared, changed, deployment)
  const settled = decision.kind === 'release' ? await releaseAll(ctx, prepared, changed, deployment) : await abortAll(ctx, prepared, changed, deployment, decision)
  await settled.disarming
  return recordAndFinish(ctx, prepared, settled)
}

function summariseRefusal(ctx: RunContext, exitCode: ExitCode, error: GraduateError, prepared: Prepared | undefined): GraduationSummary {
  return summarise(ctx, {outcome: 'refused', exitCode, cause: oneLine(error), hint: error.hint, tracker: prepared?.tracker})
}
