import {gateRecord, type GraduationRecordDocument} from '../dokku/commands/gate.js'
import type {EventBus, GraduationSummary} from './events.js'
import type {DokkuHost} from './remote.js'

/**
 * The graduation record kept on every target host (`graduate:record`), read back by `graduate history`
 * and `rollback`: what kind of run (a graduation, or a rollback of which one), who, when, from where,
 * each app's old → new revision and result, the flip skew.
 * Only names, hosts and revisions: never config values.
 */
export function graduationRecord(
  details: {id: string; owner: string; startedAt: number},
  summary: Omit<GraduationSummary, 'exitCode' | 'hooks'> & {hooks: GraduationSummary['hooks']},
): GraduationRecordDocument {
  return {
    id: details.id,
    kind: summary.rollbackOf === undefined ? 'graduation' : 'rollback',
    ...(summary.rollbackOf === undefined ? {} : {rollbackOf: summary.rollbackOf}),
    env: summary.to,
    fromEnv: summary.from,
    owner: details.owner,
    startedAt: new Date(details.startedAt).toISOString(),
    finishedAt: new Date(details.startedAt + summary.durationMs).toISOString(),
    durationMs: summary.durationMs,
    outcome: summary.outcome,
    ...(summary.cause === undefined ? {} : {cause: summary.cause}),
    flipSkewMs: summary.flipSkewMs,
    apps: summary.apps.map(({app, host, targetApp, from, to, result, liveRev}) => ({app, host, targetApp, from, to, result, liveRev})),
    hooks: summary.hooks.map(({phase, label, result}) => ({phase, label, result})),
  }
}

/** Stores the record on every host; a host that cannot take it is reported, the others still get it. */
export async function storeRecord(hosts: DokkuHost[], env: string, record: GraduationRecordDocument, options: {commandMs: number; bus: EventBus}): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      try {
        await host.run(gateRecord(env, record), {timeoutMs: options.commandMs})
      } catch (error) {
        options.bus.emit({type: 'warning', host: host.label, message: `could not store the graduation record: ${error instanceof Error ? error.message : String(error)}`})
      }
    }),
  )
}
