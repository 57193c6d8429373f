import type {GraduationSummary} from '../events.js'
import {graduationRecord, storeRecord} from '../record.js'
import {type RunContext, unlock} from './context.js'
import {afterHooks} from './hooks.js'
import type {Prepared} from './prepare.js'
import type {Settled} from './settled.js'
import {buildSummary, summarise} from './summary.js'

/**
 * Phases 10–12, once the gates are disarmed: the record on every target host (its command also releases
 * that host's lock), the lock of any host that did not take the record, the `released` or `aborted` hooks,
 * and the summary.
 */
export async function recordAndFinish(ctx: RunContext, {tracker, plan}: Prepared, settled: Settled): Promise<GraduationSummary> {
  const {bus, resolved} = ctx
  const ending = {outcome: settled.outcome, exitCode: settled.exitCode, cause: settled.cause, tracker, switched: settled.switched}
  bus.emit({type: 'stage', stage: 'record'})
  const record = graduationRecord({id: ctx.options.id, owner: ctx.options.owner, startedAt: ctx.started}, buildSummary(ctx, ending))
  // One round trip for both the record and the lock; a host that did not release its lock is unlocked below.
  const unlocked = await storeRecord(ctx.locked, resolved.to, record, {commandMs: ctx.commandMs, bus, unlock: ctx.lock.id})
  ctx.locked = ctx.locked.filter((host) => !unlocked.includes(host))
  bus.emit({type: 'stage', stage: 'unlock'})
  await unlock(ctx)
  // The `aborted` hooks run only when nothing went live and the `released` ones only when everything
  // did: a partial outcome runs neither (exit 5 and the summary's repair commands say what to do).
  if (settled.outcome !== 'partial') await afterHooks(ctx, plan, settled.outcome === 'graduated' ? 'released' : 'aborted')
  return summarise(ctx, ending)
}
