import {type EnvironmentState, graduationIds} from './environment-state.js'
import {readJournal} from './journal-reader.js'

/** Where one graduation found on the hosts stands, and what to do about it. */
export interface GraduationStanding {
  id: string
  /**
   * running: a gate is armed or held, or the lock is live; decided: the release was decided (by a gate, or
   * this machine's journal) but not every gate has it; ended: its gates ended and its lock expired, so
   * nothing of it is running — only leftovers on the hosts.
   */
  state: 'running' | 'decided' | 'ended'
  /** The one thing to do next, as a sentence with the command. */
  next: string
}

export interface StatusReport {
  env: string
  /** Graduations with a lock or a claimed gate in the environment (ended ones included: see `graduations`). */
  inFlight: string[]
  /** Each graduation of `inFlight`: whether it still runs, and what to do next. */
  graduations: GraduationStanding[]
  locks: Array<{host: string; locked: boolean; expired: boolean; id: string | null; owner: string | null; acquiredAt: string | null; expiresAt: string | null}>
  apps: Array<{
    app: string
    targetApp: string
    host: string
    state: string
    id: string | null
    rev: string | null
    heldAt: string | null
    leaseEndsAt: string | null
    decision: string | null
    reason: string | null
  }>
  /** What this machine's journal says of each graduation in flight, when it ran here. */
  journal: Array<{id: string; lastStep: string; at: string; decision: string | null}>
  unreachable: Array<{host: string; message: string}>
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())

/** The gate writes times into its reasons as epoch seconds ("the lease ended at 1796345466"); people read ISO times like every other field. */
const readableReason = (reason: string | null) => (reason === null ? null : reason.replace(/\bat (\d{9,11})\b/g, (_match, seconds: string) => `at ${iso(Number(seconds))}`))

export function statusReport(state: EnvironmentState): StatusReport {
  const inFlight = graduationIds(state)
  const report: Omit<StatusReport, 'graduations'> = {
    env: state.env,
    inFlight,
    locks: state.locks.map(({host, status}) => ({
      host: host.label,
      locked: status.locked,
      expired: status.expired,
      id: status.lock?.id ?? null,
      owner: status.lock?.owner ?? null,
      acquiredAt: iso(status.lock?.acquiredAt ?? null),
      expiresAt: iso(status.lock?.expiresAt ?? null),
    })),
    apps: state.apps.map(({app, targetApp, host, gate}) => ({
      app,
      targetApp,
      host: host.label,
      state: gate.state,
      id: gate.id,
      rev: gate.rev,
      heldAt: iso(gate.heldAt),
      leaseEndsAt: gate.decision === null ? iso(gate.expiresAt) : null,
      decision: gate.decision,
      reason: readableReason(gate.reason),
    })),
    journal: inFlight.flatMap((id) => {
      const view = readJournal(id)
      return view ? [{id, lastStep: view.lastStep.step, at: view.lastStep.ts, decision: view.decision ?? null}] : []
    }),
    unreachable: state.unreachable,
  }
  return {...report, graduations: inFlight.map((id) => standing(report, id))}
}

/** Where graduation `id` stands from its gates, its lock and this machine's journal. */
function standing(report: Omit<StatusReport, 'graduations'>, id: string): GraduationStanding {
  const env = report.env
  const gates = report.apps.filter((app) => app.id === id && app.state !== 'unarmed')
  const locks = report.locks.filter((lock) => lock.locked && lock.id === id)
  const journal = report.journal.find((entry) => entry.id === id)
  const live = gates.filter((app) => app.state === 'armed' || app.state === 'held')
  const lockLive = locks.some((lock) => !lock.expired)
  if (gates.some((app) => app.decision === 'release') || (journal?.decision === 'release' && live.length > 0)) {
    const where = gates.some((app) => app.decision === 'release') ? 'its gates say so' : "this machine's journal says so"
    return {id, state: 'decided', next: `Graduation ${id} decided to release (${where}): \`graduate resume ${id}\` finishes it; do not abort it.`}
  }
  if (live.length > 0) {
    const ends = live.map((app) => app.leaseEndsAt).filter((time): time is string => time !== null).sort().at(-1)
    return {
      id,
      state: 'running',
      next: `If its runner is gone: \`graduate abort ${env}\` aborts what is armed or held (or wait: each gate aborts on its own when its lease ends${ends ? `, by ${ends}` : ''}).`,
    }
  }
  if (lockLive) {
    const expires = locks.map((lock) => lock.expiresAt).filter((time): time is string => time !== null).sort().at(-1)
    return gates.length === 0
      ? {id, state: 'running', next: `The lock's graduation ${id} holds no gate: \`graduate unlock ${env}\` releases it if its owner is gone (it expires on its own at ${expires ?? 'its expiry'}).`}
      : {id, state: 'running', next: `Graduation ${id} holds no deploy any more but still its lock, until ${expires ?? 'its expiry'}: if its runner is gone, \`graduate abort ${env}\` clears and records it.`}
  }
  return {
    id,
    state: 'ended',
    next:
      gates.length === 0
        ? `Graduation ${id} is over: its lock expired and it holds no gate; the next graduation takes the lock over, or \`graduate unlock ${env}\` clears it now.`
        : `Graduation ${id} is over: its runner stopped, its gates ended on their own and its lock expired, so every app serves its old release. \`graduate abort ${env}\` clears what it left and records it as aborted in \`graduate history ${env}\`.`,
  }
}

/** The report for a person: what is in flight, who holds the lock, each app's gate, and what to do next. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = []
  const running = report.graduations.filter((graduation) => graduation.state !== 'ended').map((graduation) => graduation.id)
  const ended = report.graduations.filter((graduation) => graduation.state === 'ended').map((graduation) => graduation.id)
  if (report.inFlight.length === 0) lines.push(`${report.env}: no graduation in flight (no lock, no gate armed)`)
  if (running.length > 0) lines.push(`${report.env}: graduation${running.length > 1 ? 's' : ''} ${running.join(', ')} in flight`)
  if (ended.length > 0) lines.push(`${report.env}: graduation${ended.length > 1 ? 's' : ''} ${ended.join(', ')} ended without finishing (lock and gates expired); nothing of it is running`)
  for (const lock of report.locks.filter((entry) => entry.locked)) {
    lines.push(`  lock on ${lock.host}: ${lock.owner} (graduation ${lock.id}) since ${lock.acquiredAt}, ${lock.expired ? `EXPIRED at ${lock.expiresAt}` : `expires ${lock.expiresAt}`}`)
  }
  const width = Math.max(...report.apps.map((app) => app.app.length), 3)
  for (const app of report.apps) {
    const detail =
      app.state === 'unarmed'
        ? ''
        : ` graduation ${app.id} rev ${app.rev?.slice(0, 12)}${app.heldAt ? ` held since ${app.heldAt}` : ''}${app.leaseEndsAt ? `, lease ends ${app.leaseEndsAt}` : ''}${app.reason ? ` (${app.reason})` : ''}`
    // The same form as `graduate history`: the Dokku app's own name beside the host where it differs.
    const where = app.targetApp === app.app ? app.host : `${app.host} (${app.targetApp})`
    lines.push(`  ${app.app.padEnd(width)}  ${where}  ${app.state}${detail}`)
  }
  for (const entry of report.journal) lines.push(`  this machine's journal: ${entry.id} last did "${entry.lastStep}" at ${entry.at}${entry.decision ? `, decided ${entry.decision}` : ''}`)
  for (const host of report.unreachable) lines.push(`  could not ask ${host.host}: ${host.message}`)
  const next = report.graduations.map((graduation) => graduation.next)
  if (report.unreachable.length > 0) next.push(`Fix the connection to ${report.unreachable.map((host) => host.host).join(', ')} and run \`graduate status ${report.env}\` again: what it holds is unknown.`)
  if (next.length > 0) lines.push('', ...next.map((step) => `next: ${step}`))
  return `${lines.join('\n')}\n`
}
