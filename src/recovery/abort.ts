import {gateAbort, gateRecord, gateUnlock, type GraduationRecordDocument} from '../dokku/commands/gate.js'
import {appsReport, APP_MISSING_EXIT} from '../dokku/commands/core.js'
import {deployedGitRevision, parseAppsReport} from '../dokku/parse/reports.js'
import {readRecords} from '../graduation/records.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import {type AppGate, type EnvironmentState, claimedApps} from './environment-state.js'
import {readJournal} from './journal-reader.js'
import {settleAndDisarm} from '../graduation/settle-gates.js'

export interface AbortOutcome {
  env: string
  /** Apps whose hold was aborted (or had already ended on its own) and are disarmed. */
  aborted: Array<{app: string; host: string; id: string; liveRev: string | null}>
  /** Apps released already: not abortable; `graduate resume` finishes them. */
  released: Array<{app: string; host: string; id: string}>
  /** Apps that could not be told or disarmed, and when their gates give up on their own. */
  stuck: Array<{app: string; host: string; id: string; reason: string}>
  /** Graduations whose environment lock was released. */
  unlocked: string[]
  /** Hosts that could not be asked: whatever they hold was not aborted. */
  unreachable: Array<{host: string; message: string}>
  /** Graduations this abort wrote the history record of (a runner that dies leaves none). */
  recorded: string[]
  /** Where a record could not be stored, and why. */
  unrecorded: Array<{host: string; id: string; reason: string}>
}

/**
 * `graduate abort <env>`: aborts whatever is armed or held in the environment, by any graduation —
 * each gate fails its deploy and restores the app — waits for the deploys to end, disarms the apps,
 * and releases the lock those graduations held. Apps already released are left alone.
 */
export async function abortEnvironment(state: EnvironmentState, options: {commandMs: number; waitMs: number; abortedBy: string}): Promise<AbortOutcome> {
  const outcome: AbortOutcome = {env: state.env, aborted: [], released: [], stuck: [], unlocked: [], unreachable: state.unreachable, recorded: [], unrecorded: []}
  const startedAt = Date.now()
  const claimed = claimedApps(state)
  const toAbort = claimed.filter((app) => app.gate.decision !== 'release')
  for (const app of claimed.filter((entry) => entry.gate.decision === 'release')) outcome.released.push({app: app.app, host: app.host.label, id: app.gate.id!})

  const deadline = Date.now() + options.waitMs
  await Promise.all(
    groups(toAbort).map(async ({host, id, apps}) => {
      const names = apps.map((app) => app.targetApp)
      const told = await host.send(gateAbort(id, names), {timeoutMs: options.commandMs})
      if (told.exitCode !== 0 && told.exitCode !== 1) {
        for (const app of apps) outcome.stuck.push({app: app.app, host: host.label, id, reason: `the abort could not be sent: ${told.stderr.trim() || `exit ${told.exitCode}`}`})
        return
      }
      const left = await settleAndDisarm(host, id, names, {commandMs: options.commandMs, deadline})
      for (const app of apps) {
        if (left.includes(app.targetApp)) {
          outcome.stuck.push({app: app.app, host: host.label, id, reason: `its deploy did not end within ${Math.round(options.waitMs / 1000)} s; its gate keeps its claim until then`})
        } else {
          outcome.aborted.push({app: app.app, host: host.label, id, liveRev: await liveRevision(host, app.targetApp, options.commandMs)})
        }
      }
    }),
  )

  const abortedIds = new Set(outcome.aborted.map((app) => app.id))
  const stillClaimed = new Set([...outcome.released, ...outcome.stuck].map((app) => app.id))
  // Recorded before the lock goes, while it still keeps other graduations out.
  await recordAborted(state, outcome, {...options, startedAt, ids: [...abortedIds].filter((id) => !stillClaimed.has(id))})
  await Promise.all(
    state.locks
      .filter(({status}) => status.lock && abortedIds.has(status.lock.id) && !stillClaimed.has(status.lock.id))
      .map(async ({host, status}) => {
        await host.run(gateUnlock(state.env, status.lock!.id), {timeoutMs: options.commandMs})
        if (!outcome.unlocked.includes(status.lock!.id)) outcome.unlocked.push(status.lock!.id)
      }),
  )
  return outcome
}

export function renderAbort(outcome: AbortOutcome): string {
  const lines: string[] = []
  if (outcome.aborted.length + outcome.released.length + outcome.stuck.length + outcome.unreachable.length === 0) {
    return `${outcome.env}: nothing is armed or held; nothing to abort\n`
  }
  for (const app of outcome.aborted) lines.push(`aborted ${app.app} on ${app.host} (graduation ${app.id}); it serves ${app.liveRev?.slice(0, 12) ?? 'its old release'}`)
  for (const app of outcome.released) lines.push(`${app.app} on ${app.host} was already released by graduation ${app.id}: \`graduate resume ${app.id}\` finishes it`)
  for (const app of outcome.stuck) lines.push(`could not abort ${app.app} on ${app.host} (graduation ${app.id}): ${app.reason}`)
  for (const id of outcome.unlocked) lines.push(`released the ${outcome.env} lock of graduation ${id}`)
  for (const id of outcome.recorded) lines.push(`recorded graduation ${id} as aborted (\`graduate history ${outcome.env}\` lists it)`)
  for (const entry of outcome.unrecorded) lines.push(`could not record graduation ${entry.id} on ${entry.host}: ${entry.reason}`)
  for (const host of outcome.unreachable) lines.push(`could not ask ${host.host}, so nothing there was aborted: ${host.message}`)
  if (outcome.unreachable.length > 0) {
    lines.push(`Fix the connection and run \`graduate abort ${outcome.env}\` again; meanwhile each gate there aborts on its own when its lease ends.`)
  }
  return `${lines.join('\n')}\n`
}

/**
 * The history record a graduation's runner would have written had it lived, for each graduation this
 * abort ended: outcome aborted, who ran it (the lock's owner) and who aborted it. A graduation whose
 * runner did record it (it died later, while unlocking) keeps its own record.
 */
async function recordAborted(state: EnvironmentState, outcome: AbortOutcome, options: {commandMs: number; abortedBy: string; startedAt: number; ids: string[]}): Promise<void> {
  if (options.ids.length === 0) return
  const hosts = state.locks.map(({host}) => host)
  let existing: Set<string>
  try {
    existing = new Set((await readRecords(hosts, state.env, {commandMs: options.commandMs})).map((record) => record.id))
  } catch (error) {
    for (const id of options.ids) outcome.unrecorded.push({host: hosts.map((host) => host.label).join(', '), id, reason: `its history could not be read: ${error instanceof Error ? error.message : String(error)}`})
    return
  }
  for (const id of options.ids.filter((candidate) => !existing.has(candidate))) {
    const record = abortRecord(state, outcome, id, options)
    let stored = false
    await Promise.all(
      hosts.map(async (host) => {
        try {
          await host.run(gateRecord(state.env, record), {timeoutMs: options.commandMs})
          stored = true
        } catch (error) {
          outcome.unrecorded.push({host: host.label, id, reason: error instanceof Error ? error.message : String(error)})
        }
      }),
    )
    if (stored) outcome.recorded.push(id)
  }
}

function abortRecord(state: EnvironmentState, outcome: AbortOutcome, id: string, options: {abortedBy: string; startedAt: number}): GraduationRecordDocument {
  const lock = state.locks.map(({status}) => status.lock).find((candidate) => candidate?.id === id)
  const gates = claimedApps(state, id)
  const armedAt = gates.map((app) => app.gate.armedAt).filter((time): time is number => time !== null)
  const started = lock ? lock.acquiredAt * 1000 : armedAt.length > 0 ? Math.min(...armedAt) * 1000 : options.startedAt
  const finished = Date.now()
  const journal = readJournal(id)
  const abortedBy = options.abortedBy
  return {
    id,
    kind: 'graduation',
    env: state.env,
    // Only the machine that ran it knows where it came from; another machine says so.
    fromEnv: journal?.from ?? 'unknown',
    owner: lock?.owner ?? 'unknown',
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: Math.max(0, finished - started),
    outcome: 'aborted',
    cause: `its runner was gone; aborted by ${abortedBy} with \`graduate abort ${state.env}\``,
    abortedBy,
    flipSkewMs: null,
    apps: outcome.aborted
      .filter((app) => app.id === id)
      .map((app) => {
        const gate = gates.find((entry) => entry.app === app.app)
        return {app: app.app, host: app.host, targetApp: gate?.targetApp ?? app.app, from: app.liveRev, to: gate?.gate.rev ?? '?', result: 'aborted', liveRev: app.liveRev}
      }),
    hooks: [],
  }
}

function groups(apps: AppGate[]): Array<{host: DokkuHost; id: string; apps: AppGate[]}> {
  const byKey = new Map<string, {host: DokkuHost; id: string; apps: AppGate[]}>()
  for (const app of apps) {
    const key = `${app.host.label} ${app.gate.id}`
    const group = byKey.get(key) ?? {host: app.host, id: app.gate.id!, apps: []}
    group.apps.push(app)
    byKey.set(key, group)
  }
  return [...byKey.values()]
}

export async function liveRevision(host: DokkuHost, app: string, commandMs: number): Promise<string | null> {
  const command = {...appsReport(app), okExitCodes: [0, APP_MISSING_EXIT]}
  const result = await host.run(command, {timeoutMs: commandMs, readOnly: true})
  return result.exitCode === 0 ? (deployedGitRevision(parseAppsReport(result.stdout, command)) ?? null) : null
}
