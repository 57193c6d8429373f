import {gateAwaitSwitch, gateSwitch} from '../dokku/commands/gate.js'
import {type SwitchPosition, parseSwitchPositions} from '../dokku/parse/gate.js'
import type {HostSwitch} from './events.js'
import type {HostGates} from './gates.js'
import {withDeadline} from './limit.js'

/** Why an app whose host never got the release did not switch. */
export const NEVER_REACHED = 'the release never reached it'

export interface SwitchOptions {
  id: string
  /** The released apps, by host (Dokku names). */
  hosts: HostGates[]
  /**
   * Resolves once the release has reached the host (true) or cannot (false). A host is only asked
   * about its switch after its gates hold the release. Absent: every release has been delivered.
   */
  delivered?: (host: string) => Promise<boolean>
  /** How long, once one host has every app at the switch, the others are waited for (timeouts.switch). */
  waitMs: number
  /** Epoch ms: the decision plus the deploy timeout. Nothing is waited for past it. */
  deadline: number
  commandMs: number
  /** Dokku name on a host → the manifest's name, for what is reported. */
  nameOf: (host: string, app: string) => string
}

/**
 * The second hold point (DESIGN.md §2, PROTOCOL.md "nginx-pre-reload"). Each released deploy stops at
 * its first nginx reload; every host is asked (one command each, waiting on the host) until its apps
 * are all there, and then `graduate:switch` goes to every host at once, so each host's reloads run
 * together and the first one switches all its apps. Hosts that are slow to get there are waited for
 * `waitMs` after the first host is ready; a host whose release arrives later still is switched the
 * moment it has it. A gate never waits past its own bound, so this only ever shapes when apps switch,
 * never whether.
 */
export async function switchTogether(options: SwitchOptions): Promise<HostSwitch[]> {
  const stopWaiting = new AbortController()
  // Once the switch has gone out, a host whose release arrives later is switched, not asked.
  let switchSent = false
  let firstReady: (() => void) | undefined
  const oneReady = new Promise<void>((resolve) => (firstReady = resolve))
  const answers = options.hosts.map(async (gates): Promise<SwitchPosition[] | Error> => {
    try {
      if (options.delivered && !(await options.delivered(gates.host.label))) {
        return gates.apps.map((app): SwitchPosition => ({app, kind: 'gone', reason: NEVER_REACHED}))
      }
      if (switchSent) return []
      const seconds = Math.max(1, Math.ceil((options.deadline - Date.now()) / 1000))
      const command = gateAwaitSwitch(options.id, seconds, gates.apps)
      const result = await gates.host.run(command, {timeoutMs: seconds * 1000 + options.commandMs, readOnly: true, signal: stopWaiting.signal})
      const positions = parseSwitchPositions(result.stdout, command)
      // A host counts as ready when its apps are at the switch, not when it failed or gave up waiting.
      if (positions.some((position) => position.kind === 'at-switch') && !positions.some((position) => position.kind === 'waiting')) firstReady!()
      return positions
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error))
    }
  })
  const everyHost = Promise.all(answers)
  await withDeadline(
    Promise.race([everyHost, oneReady.then(() => new Promise((resolve) => setTimeout(resolve, options.waitMs).unref()))]),
    Math.max(0, options.deadline - Date.now()),
    () => undefined,
  )

  // Every host that has its release, at once: the point is that their reloads start together.
  switchSent = true
  const switched = await Promise.all(
    options.hosts.map(async (gates, index) => {
      const pending = Symbol('pending')
      let before = await withDeadline<SwitchPosition[] | Error | typeof pending>(answers[index]!, 0, () => pending)
      if (before === pending && options.delivered) {
        // Its release was still on its way: switch it as soon as it has arrived (or could not).
        const arrived = await options.delivered(gates.host.label)
        if (!arrived) before = await answers[index]!
      }
      const known = before === pending ? undefined : before
      const gone = new Map((Array.isArray(known) ? known : []).filter((position) => position.kind === 'gone').map((position) => [position.app, position]))
      const toSwitch = gates.apps.filter((app) => !gone.has(app))
      let after: SwitchPosition[] | Error = []
      let refusal: string | undefined
      if (toSwitch.length > 0) {
        const command = gateSwitch(options.id, toSwitch)
        try {
          // The verb is idempotent, so a dropped connection is worth another attempt. The gate answers
          // for every app it could switch even when it refuses another (exit 1, saying why on stderr).
          const result = await gates.host.send(command, {timeoutMs: options.commandMs, readOnly: true})
          after = parseSwitchPositions(result.stdout, command)
          if (result.exitCode !== 0) refusal = firstLine(result.stderr)
        } catch (error) {
          after = error instanceof Error ? error : new Error(String(error))
        }
      }
      return describeHost(gates, {before: known, after, gone, refusal}, options.nameOf)
    }),
  )
  // An await still running finds the switch sent and ends on its own; this only stops waiting for its answer.
  stopWaiting.abort()
  return switched
}

interface HostAnswers {
  /** What graduate:await-switch said, or why it could not. */
  before: SwitchPosition[] | Error | undefined
  /** What graduate:switch said, or why it could not be sent. */
  after: SwitchPosition[] | Error
  gone: Map<string, SwitchPosition>
  /** The gate's first stderr line when it refused some app. */
  refusal: string | undefined
}

function describeHost(gates: HostGates, answers: HostAnswers, nameOf: SwitchOptions['nameOf']): HostSwitch {
  const label = gates.host.label
  const together: string[] = []
  const alone: HostSwitch['alone'] = []
  let at: number | null = null
  const reported = new Map(Array.isArray(answers.after) ? answers.after.map((position) => [position.app, position]) : [])
  for (const app of gates.apps) {
    const name = nameOf(label, app)
    const position = reported.get(app) ?? answers.gone.get(app)
    if (position?.kind === 'switched') {
      together.push(name)
      at = position.switchedMs
    } else if (position?.kind === 'passed' && position.by === 'switch') {
      // Let go by this switch already: the gate exits the moment it sees the mark and records its pass
      // beside the reload, so it may have done so before graduate:switch read the app's state back.
      together.push(name)
      at ??= position.passedMs
    } else if (position?.kind === 'passed') {
      const why =
        position.by === 'bound'
          ? 'it stopped waiting at the nginx switch (its bound) before the switch came, and reloaded on its own'
          : position.by === 'cancelled'
            ? 'its deploy was cancelled while it waited at the nginx switch'
            : `it passed the nginx switch on its own (${position.by})`
      alone.push({app: name, why, kind: position.by === 'cancelled' ? 'not-switched' : 'own'})
    } else if (position?.kind === 'open') {
      alone.push({app: name, why: 'it had not reached the nginx switch when the others switched; it reloads on its own when it gets there', kind: 'own'})
    } else if (position?.kind === 'gone') {
      alone.push(goneEntry(name, position.reason))
    } else {
      const problem = answers.after instanceof Error ? answers.after.message : answers.refusal ?? (answers.before instanceof Error ? answers.before.message : undefined)
      alone.push({
        app: name,
        why: problem ? `the switch could not be sent (${firstLine(problem)}); it reloads on its own at its gate's bound` : 'its host did not say where it is',
        kind: 'own',
      })
    }
  }
  return {host: label, together, alone, at: at === null ? null : new Date(at).toISOString()}
}

function goneEntry(app: string, reason: string): HostSwitch['alone'][number] {
  if (reason === 'deploy-ended') {
    return {app, why: 'its deploy ended without stopping at the nginx switch (a Dokku that runs no nginx-pre-reload, or a deploy that failed after the release: see its result)', kind: 'own'}
  }
  if (reason === NEVER_REACHED) return {app, why: NEVER_REACHED, kind: 'not-switched'}
  return {app, why: `it is not at the nginx switch (${reason})`, kind: 'not-switched'}
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.replace(/^\s*!\s+/, '')
}
