import {gateRecord} from '../dokku/commands/gate.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import {type StoredRecord, readRecords} from '../graduation/records.js'
import type {EnvironmentState} from './environment-state.js'
import type {JournalView} from './journal-reader.js'

export interface ResumedApp {
  app: string
  host: string
  rev: string | null
  liveRev: string | null
  result: 'live' | 'aborted' | 'partial'
}

/**
 * After `graduate resume`, the graduation's record on the hosts says how it really ended: a runner that
 * died wrote none, and one that gave up early wrote `partial` although the apps went live later. The
 * record the hosts keep (or, without one, what this machine's journal and the gates know) is updated
 * with each resumed app's result and the outcome they add up to, and stored on every host again.
 * Returns the hosts that could not store it, with why.
 */
export async function recordResumption(
  resumed: {id: string; env: string; apps: ResumedApp[]},
  context: {state: EnvironmentState; journal: JournalView | undefined; resumedBy: string; commandMs: number},
): Promise<{outcome: string; failures: Array<{host: string; message: string}>}> {
  const hosts = context.state.locks.map(({host}) => host)
  const existing = await readExisting(hosts, resumed.env, resumed.id, context.commandMs)
  const record = existing ?? fromWhatIsKnown(resumed, context)
  const apps = record.apps.map((app) => {
    const now = resumed.apps.find((entry) => entry.app === app.app)
    return now === undefined ? app : {...app, result: now.result, liveRev: now.liveRev}
  })
  for (const app of resumed.apps) {
    if (!apps.some((entry) => entry.app === app.app)) apps.push({app: app.app, host: app.host, targetApp: app.app, from: null, to: app.rev ?? '', result: app.result, liveRev: app.liveRev})
  }
  const outcome = outcomeOf(apps.map((app) => app.result))
  const {cause, ...rest} = record
  const updated = {
    ...rest,
    outcome,
    ...(outcome === 'graduated' || cause === undefined ? {} : {cause}),
    apps,
    resumedAt: new Date().toISOString(),
    resumedBy: context.resumedBy,
  }
  const failures: Array<{host: string; message: string}> = []
  await Promise.all(
    hosts.map(async (host) => {
      try {
        await host.run(gateRecord(resumed.env, updated), {timeoutMs: context.commandMs})
      } catch (error) {
        failures.push({host: host.label, message: error instanceof Error ? error.message : String(error)})
      }
    }),
  )
  return {outcome, failures}
}

async function readExisting(hosts: DokkuHost[], env: string, id: string, commandMs: number): Promise<StoredRecord | undefined> {
  try {
    return (await readRecords(hosts, env, {commandMs})).find((record) => record.id === id)
  } catch {
    // A host that cannot list its records may still take the new one.
    return undefined
  }
}

function fromWhatIsKnown(resumed: {id: string; env: string; apps: ResumedApp[]}, context: {state: EnvironmentState; journal: JournalView | undefined}): StoredRecord {
  const lock = context.state.locks.map(({status}) => status.lock).find((entry) => entry?.id === resumed.id)
  const journal = context.journal
  return {
    id: resumed.id,
    kind: 'graduation',
    env: resumed.env,
    fromEnv: journal?.from ?? 'unknown',
    owner: lock?.owner ?? 'unknown',
    startedAt: journal?.startedAt ?? new Date().toISOString(),
    outcome: 'unknown',
    flipSkewMs: null,
    apps: resumed.apps.map((app) => {
      const planned = journal?.planned.get(app.app)
      return {app: app.app, host: app.host, targetApp: planned?.targetApp ?? app.app, from: planned?.from ?? null, to: planned?.to ?? app.rev ?? '', result: app.result, liveRev: app.liveRev}
    }),
  }
}

/** Every changed app live: graduated; none live: aborted; anything else: partial. */
function outcomeOf(results: string[]): 'graduated' | 'aborted' | 'partial' {
  const changed = results.filter((result) => result !== 'skipped')
  if (changed.every((result) => result === 'live')) return 'graduated'
  if (changed.every((result) => result === 'aborted' || result === 'failed')) return 'aborted'
  return 'partial'
}
