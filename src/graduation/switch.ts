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
      return parseSwitchPositions(result.stdout, command)
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error))
    } finally {
      firstReady!()
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
      if (toSwitch.length > 0) {
        const command = gateSwitch(options.id, toSwitch)
        try {
          // The gate answers for every app it could switch even when it refuses another (exit 1).
          after = parseSwitchPositions((await gates.host.send(command, {timeoutMs: options.commandMs})).stdout, command)
        } catch (error) {
          after = error instanceof Error ? error : new Error(String(error))
        }
      }
      return describeHost(gates, known, after, gone, options.nameOf)
    }),
  )
  // An await still running finds the switch sent and ends on its own; this only stops waiting for its answer.
  stopWaiting.abort()
  return switched
}

function describeHost(gates: HostGates, before: SwitchPosition[] | Error | undefined, after: SwitchPosition[] | Error, gone: Map<string, SwitchPosition>, nameOf: SwitchOptions['nameOf']): HostSwitch {
  const label = gates.host.label
  const together: string[] = []
  const alone: HostSwitch['alone'] = []
  let at: number | null = null
  const reported = new Map(Array.isArray(after) ? after.map((position) => [position.app, position]) : [])
  for (const app of gates.apps) {
    const name = nameOf(label, app)
    const position = reported.get(app) ?? gone.get(app)
    if (position?.kind === 'switched') {
      together.push(name)
      at = position.switchedMs
    } else if (position?.kind === 'passed') {
      alone.push({app: name, why: position.by === 'bound' ? 'it stopped waiting at the nginx switch (its bound) before the switch came, and reloaded on its own' : `it passed the nginx switch on its own (${position.by})`})
    } else if (position?.kind === 'open') {
      alone.push({app: name, why: 'it had not reached the nginx switch when the others switched; it reloads on its own when it gets there'})
    } else if (position?.kind === 'gone') {
      alone.push({app: name, why: goneWhy(position.reason)})
    } else {
      const problem = after instanceof Error ? after : before instanceof Error ? before : undefined
      alone.push({app: name, why: problem ? `the switch could not be sent: ${problem.message.split('\n')[0]}` : 'its host did not say where it is'})
    }
  }
  return {host: label, together, alone, at: at === null ? null : new Date(at).toISOString()}
}

function goneWhy(reason: string): string {
  if (reason === 'deploy-ended') return 'its deploy ended without reaching the nginx switch (no nginx-pre-reload from Dokku)'
  if (reason === NEVER_REACHED) return NEVER_REACHED
  return `it is not at the nginx switch (${reason})`
}
