import {gateRecord, type GraduationRecordDocument} from '../dokku/commands/gate.js'
import type {EventBus, GraduationSummary} from './events.js'
import {displayCommand} from '../dokku/quote.js'
import type {ExecResult} from '../ssh/transport.js'
import type {DokkuHost} from '../remote/dokku-host.js'

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

/**
 * Stores the record on every host; a host that cannot take it is reported, the others still get it.
 * With `unlock`, each host also releases the environment lock of that graduation in the same command;
 * returns the hosts that did (the others still hold it: unlock them as usual).
 */
export async function storeRecord(
  hosts: DokkuHost[],
  env: string,
  record: GraduationRecordDocument,
  options: {commandMs: number; bus: EventBus; unlock?: string},
): Promise<DokkuHost[]> {
  const unlocked: DokkuHost[] = []
  await Promise.all(
    hosts.map(async (host) => {
      const command = gateRecord(env, record, options.unlock === undefined ? {} : {unlock: options.unlock})
      let result: ExecResult | undefined
      let failure: string | undefined
      try {
        result = await host.send(command, {timeoutMs: options.commandMs})
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error)
      }
      const said = new Set(result?.stdout.split('\n') ?? [])
      if (!said.has(`recorded ${record.id}`)) {
        const why = failure ?? `\`${displayCommand(command)}\` exited ${result?.exitCode ?? 'without a status'}: ${lastLine(result!)}`
        options.bus.emit({type: 'warning', host: host.label, message: `could not store the graduation record: ${why}`})
      }
      if (options.unlock !== undefined && (said.has(`unlocked ${env}`) || said.has(`not locked ${env}`))) {
        unlocked.push(host)
        options.bus.emit({type: 'lock', host: host.label, state: 'released'})
      }
    }),
  )
  return unlocked
}

function lastLine(result: {stdout: string; stderr: string}): string {
  return ((result.stderr || result.stdout).trim().split('\n').filter(Boolean).pop() ?? 'no output').replace(/^\s*!\s+/, '')
}
