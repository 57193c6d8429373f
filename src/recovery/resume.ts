import {gateAbort, gateRelease, gateUnlock} from '../dokku/commands/gate.js'
import {ExitCode} from '../exit-codes.js'
import {PreflightError, UsageError} from '../errors.js'
import type {HostDirectory} from '../graduation/hosts.js'
import type {Manifest} from '../manifest/types.js'
import {resolveEnvironment} from '../manifest/index.js'
import {liveRevision} from './abort.js'
import {type AppGate, type EnvironmentState, claimedApps, graduationIds, readEnvironmentState} from './environment-state.js'
import {type JournalView, readJournal} from './journal-reader.js'
import {settleAndDisarm} from '../graduation/settle-gates.js'
import {switchTogether} from '../graduation/switch.js'
import {recordResumption} from './record-resumption.js'

export interface ResumeOutcome {
  id: string
  env: string
  decision: 'release' | 'abort'
  /** Where the decision was read: the gates themselves, or this machine's journal. */
  decidedBy: 'gates' | 'journal'
  apps: Array<{app: string; host: string; rev: string | null; liveRev: string | null; result: 'live' | 'aborted' | 'partial'; reason?: string}>
  exitCode: ExitCode
  /** The outcome now stored in the graduation's record on the hosts, and the hosts that could not store it. */
  recorded: {outcome: string; failures: Array<{host: string; message: string}>}
}

/** The environment graduation `id` went into: from this machine's journal, else from the hosts' own state. */
export async function findGraduation(id: string, manifest: Manifest, hosts: HostDirectory, commandMs: number): Promise<{state: EnvironmentState; journal: JournalView | undefined}> {
  const journal = readJournal(id)
  const candidates = journal?.to ? [journal.to] : manifest.chain.slice(1)
  for (const name of candidates) {
    const state = await readEnvironmentState(resolveEnvironment(manifest, name), hosts, commandMs)
    if (graduationIds(state).includes(id)) return {state, journal}
    // An environment whose hosts could not all be asked may hold the graduation there.
    if (state.unreachable.length > 0) {
      throw new PreflightError(
        `cannot tell whether ${name} holds graduation ${id}: ${state.unreachable.map((host) => `could not ask ${host.host} (${host.message})`).join('; ')}`,
        `fix the connection and run \`graduate resume ${id}\` again; nothing was sent`,
      )
    }
  }
  throw new UsageError(
    `no environment of ${manifest.displayPath} has gates or a lock of graduation ${id}`,
    'it may have finished or been aborted already; `graduate status <env>` shows what is in flight',
  )
}

/**
 * `graduate resume <id>`: finishes a graduation whose runner died after the decision. The decision is
 * read from the gates (one released gate means the release was decided) or, failing that, from this
 * machine's journal; it is sent to every gate that has not acted on it (and, for a release, the
 * switch to every host), then each app is verified, disarmed and the lock released. A graduation that never decided is not resumed: it is aborted.
 */
export async function resumeGraduation(id: string, found: {state: EnvironmentState; journal: JournalView | undefined}, options: {commandMs: number; waitMs: number; switchMs: number; resumedBy: string}): Promise<ResumeOutcome> {
  const {state, journal} = found
  const claimed = claimedApps(state, id)
  const gateDecision = claimed.some((app) => app.gate.decision === 'release') ? 'release' : undefined
  const decision = gateDecision ?? journal?.decision
  if (decision === undefined) {
    throw new UsageError(
      `graduation ${id} never decided (no gate was released and no journal on this machine says otherwise), so there is nothing to finish`,
      `abort it: \`graduate abort ${state.env}\` (its gates also abort on their own when their lease ends)`,
    )
  }
  const deadline = Date.now() + options.waitMs
  const outcome: ResumeOutcome = {id, env: state.env, decision, decidedBy: gateDecision ? 'gates' : 'journal', apps: [], exitCode: ExitCode.Graduated, recorded: {outcome: 'unknown', failures: []}}
  const groups = groupByHost(claimed)
  await Promise.all(
    groups.map(async ({host, apps}) => {
      const undecided = apps.filter((app) => app.gate.decision === null).map((app) => app.targetApp)
      if (undecided.length > 0) {
        await host.send(decision === 'release' ? gateRelease(id, undecided) : gateAbort(id, undecided), {timeoutMs: options.commandMs})
      }
    }),
  )
  if (decision === 'release') {
    // The released deploys wait at their first nginx reload for a switch their dead runner cannot send:
    // sent here, together, they switch as one instead of each at the end of its gate's bound.
    const nameOf = (label: string, targetApp: string) => claimed.find((app) => app.host.label === label && app.targetApp === targetApp)?.app ?? targetApp
    await switchTogether({id, hosts: groups.map(({host, apps}) => ({host, apps: apps.map((app) => app.targetApp)})), waitMs: options.switchMs, deadline, commandMs: options.commandMs, nameOf})
  }
  await Promise.all(
    groups.map(async ({host, apps}) => {
      const left = await settleAndDisarm(host, id, apps.map((app) => app.targetApp), {commandMs: options.commandMs, deadline})
      for (const app of apps) {
        const liveRev = await liveRevision(host, app.targetApp, options.commandMs)
        const wentLive = liveRev !== null && liveRev === app.gate.rev
        const ok = decision === 'release' ? wentLive : !wentLive
        const reason = left.includes(app.targetApp)
          ? 'its deploy did not end in time; it keeps its gate'
          : !ok && decision === 'release'
            ? `its gate ended the hold (${app.gate.state}${app.gate.reason ? `: ${app.gate.reason}` : ''}) before the release reached it`
            : undefined
        outcome.apps.push({
          app: app.app,
          host: host.label,
          rev: app.gate.rev,
          liveRev,
          result: ok && reason === undefined ? (decision === 'release' ? 'live' : 'aborted') : 'partial',
          ...(reason === undefined ? {} : {reason}),
        })
      }
    }),
  )
  const partial = outcome.apps.some((app) => app.result === 'partial')
  outcome.exitCode = partial ? ExitCode.Partial : decision === 'release' ? ExitCode.Graduated : ExitCode.Aborted
  outcome.recorded = await recordResumption(outcome, {state, journal, resumedBy: options.resumedBy, commandMs: options.commandMs})
  if (!outcome.apps.some((app) => app.reason?.startsWith('its deploy did not end'))) {
    await Promise.all(
      state.locks.filter(({status}) => status.lock?.id === id).map(({host}) => host.run(gateUnlock(state.env, id), {timeoutMs: options.commandMs})),
    )
  }
  return outcome
}

export function renderResume(outcome: ResumeOutcome): string {
  const lines = [`graduation ${outcome.id} into ${outcome.env}: the ${outcome.decision} was decided (read from the ${outcome.decidedBy}); finished it`]
  for (const app of outcome.apps) {
    lines.push(`  ${app.app.padEnd(12)} ${app.host}  ${app.result}  serves ${app.liveRev?.slice(0, 12) ?? 'unknown'}${app.reason ? ` — ${app.reason}` : ''}`)
  }
  lines.push(`recorded as ${outcome.recorded.outcome} in ${outcome.env}'s history`)
  for (const failure of outcome.recorded.failures) lines.push(`  could not store the record on ${failure.host}: ${failure.message}`)
  if (outcome.exitCode === ExitCode.Partial) {
    lines.push('', `Not every app ended as decided; graduate each such app again with \`graduate <from> ${outcome.env} --only <app>\`.`)
  }
  return `${lines.join('\n')}\n`
}

function groupByHost(apps: AppGate[]): Array<{host: AppGate['host']; apps: AppGate[]}> {
  const byHost = new Map<string, {host: AppGate['host']; apps: AppGate[]}>()
  for (const app of apps) {
    const group = byHost.get(app.host.label) ?? {host: app.host, apps: []}
    group.apps.push(app)
    byHost.set(app.host.label, group)
  }
  return [...byHost.values()]
}
