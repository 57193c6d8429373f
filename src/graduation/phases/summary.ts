import type {ExitCode} from '../../exit-codes.js'
import type {AppTracker} from '../apps.js'
import type {GraduationSummary, HostSwitch, Outcome} from '../events.js'
import {type RunContext, journal, unlock} from './context.js'

/** How a graduation ended, as far as the summary needs to know. */
export interface Ending {
  outcome: Outcome
  exitCode: ExitCode
  cause?: string | undefined
  hint?: string | undefined
  /** Each app's state, once there is a plan. */
  tracker?: AppTracker | undefined
  /** How the hosts switched, after a release. */
  switched?: HostSwitch[] | undefined
}

export function buildSummary(ctx: RunContext, ending: Ending): GraduationSummary {
  const {outcome, exitCode, cause, hint, tracker, switched} = ending
  return {
    outcome,
    exitCode,
    from: ctx.resolved.from,
    to: ctx.resolved.to,
    ...(cause === undefined ? {} : {cause}),
    ...(hint === undefined ? {} : {hint}),
    apps: tracker?.summaries() ?? [],
    hooks: ctx.hookResults,
    flipSkewMs: tracker?.flipSkewMs() ?? null,
    ...(switched === undefined ? {} : {switch: switched}),
    durationMs: Date.now() - ctx.started,
    ...(ctx.planner.rollbackOf === undefined ? {} : {rollbackOf: ctx.planner.rollbackOf}),
  }
}

/** The summary, journalled and emitted: the last thing a graduation says. */
export function summarise(ctx: RunContext, ending: Ending): GraduationSummary {
  const result = buildSummary(ctx, ending)
  const {outcome, exitCode, cause} = ending
  journal(ctx, 'finished', {outcome, exitCode, ...(cause === undefined ? {} : {cause})})
  ctx.bus.emit({type: 'summary', ...result})
  return result
}

/** Ends a graduation that deployed nothing: the lock goes first. */
export async function finishUndeployed(ctx: RunContext, ending: Ending): Promise<GraduationSummary> {
  ctx.bus.emit({type: 'stage', stage: 'unlock'})
  await unlock(ctx)
  return summarise(ctx, ending)
}
