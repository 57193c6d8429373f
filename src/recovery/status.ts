import {type EnvironmentState, graduationIds} from './environment-state.js'
import {readJournal} from './journal-reader.js'

export interface StatusReport {
  env: string
  /** Graduations with a lock or a claimed gate in the environment. */
  inFlight: string[]
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

export function statusReport(state: EnvironmentState): StatusReport {
  const inFlight = graduationIds(state)
  return {
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
      reason: gate.reason,
    })),
    journal: inFlight.flatMap((id) => {
      const view = readJournal(id)
      return view ? [{id, lastStep: view.lastStep.step, at: view.lastStep.ts, decision: view.decision ?? null}] : []
    }),
    unreachable: state.unreachable,
  }
}

/** The report for a person: what is in flight, who holds the lock, each app's gate, and what to do next. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = []
  const claimed = report.apps.filter((app) => app.state !== 'unarmed')
  if (report.inFlight.length === 0) lines.push(`${report.env}: no graduation in flight (no lock, no gate armed)`)
  else lines.push(`${report.env}: graduation${report.inFlight.length > 1 ? 's' : ''} ${report.inFlight.join(', ')} in flight`)
  for (const lock of report.locks.filter((entry) => entry.locked)) {
    lines.push(`  lock on ${lock.host}: ${lock.owner} (graduation ${lock.id}) since ${lock.acquiredAt}, ${lock.expired ? 'EXPIRED' : `expires ${lock.expiresAt}`}`)
  }
  const width = Math.max(...report.apps.map((app) => app.app.length), 3)
  for (const app of report.apps) {
    const detail =
      app.state === 'unarmed'
        ? ''
        : ` graduation ${app.id} rev ${app.rev?.slice(0, 12)}${app.heldAt ? ` held since ${app.heldAt}` : ''}${app.leaseEndsAt ? `, lease ends ${app.leaseEndsAt}` : ''}${app.reason ? ` (${app.reason})` : ''}`
    lines.push(`  ${app.app.padEnd(width)}  ${app.host}  ${app.state}${detail}`)
  }
  for (const entry of report.journal) lines.push(`  this machine's journal: ${entry.id} last did "${entry.lastStep}" at ${entry.at}${entry.decision ? `, decided ${entry.decision}` : ''}`)
  for (const host of report.unreachable) lines.push(`  could not ask ${host.host}: ${host.message}`)
  if (claimed.some((app) => app.state === 'armed' || app.state === 'held')) {
    lines.push('', `If its runner is gone: \`graduate abort ${report.env}\` aborts what is armed or held (or wait: each gate aborts on its own when its lease ends).`)
  }
  if (claimed.some((app) => app.decision === 'release' && app.state !== 'unarmed')) {
    lines.push(`A release was decided: \`graduate resume ${claimed.find((app) => app.decision === 'release')?.id}\` finishes it.`)
  }
  if (report.locks.some((lock) => lock.locked) && claimed.length === 0) {
    lines.push(`The lock's graduation holds no gate: \`graduate unlock ${report.env}\` releases it if its owner is gone.`)
  }
  return `${lines.join('\n')}\n`
}
