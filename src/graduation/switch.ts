import {gateAwaitSwitch, gateSwitch} from '../dokku/commands/gate.js'
import {type SwitchPosition, parseSwitchPositions} from '../dokku/parse/gate.js'
import {deferred} from '../deferred.js'
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
 * its first nginx reload. Every host gets one `graduate:await-switch --then-switch` as soon as its gates
 * hold the release: it answers once its apps are all at the switch (`ready`) and then waits for the
 * word `switch` on its stdin. The word goes down every host's open channel in the same turn of the
 * event loop, so no command has to start anywhere between the decision to switch and the reloads, and
 * each host's first reload switches all its apps. Hosts slow to get there are waited for `waitMs` after
 * the first host is ready; a host whose release arrives later still gets the word the moment it has it.
 * Where the word could not be delivered (a dropped connection, a gate without a FIFO) `graduate:switch`
 * is sent instead. A gate never waits past its own bound, so this only ever shapes when apps switch,
 * never whether.
 */
export async function switchTogether(options: SwitchOptions): Promise<HostSwitch[]> {
  const stopWaiting = new AbortController()
  const word = deferred<string>()
  const firstReady = deferred<void>()
  try {
    const talks = options.hosts.map((gates) => talkTo(gates, options, {word: word.promise, signal: stopWaiting.signal, onReady: () => firstReady.resolve()}))
    await withDeadline(
      Promise.race([Promise.all(talks.map((talk) => talk.answer)), firstReady.promise.then(() => new Promise((resolve) => setTimeout(resolve, options.waitMs).unref()))]),
      Math.max(0, options.deadline - Date.now()),
      () => undefined,
    )
    word.resolve('switch\n')
    return await Promise.all(options.hosts.map(async (gates, index) => finishHost(gates, await talks[index]!.ended, options)))
  } finally {
    stopWaiting.abort()
  }
}

/** One host's await-switch, as it goes. */
interface HostTalk {
  /** Where its apps are before the switch: at its `ready`, or when its command ended without one. */
  answer: Promise<SwitchPosition[] | Error>
  ended: Promise<HostEnd>
}

interface HostEnd {
  before: SwitchPosition[] | Error
  /** What it said after the word, when the word reached it; otherwise graduate:switch is sent. */
  after?: SwitchPosition[]
  /** The gate's first stderr line when it refused some app. */
  refusal?: string
}

const READY = /^ready$/m

function talkTo(gates: HostGates, options: SwitchOptions, channel: {word: Promise<string>; signal: AbortSignal; onReady: () => void}): HostTalk {
  const answer = deferred<SwitchPosition[] | Error>()
  let answered = false
  const settle = (positions: SwitchPosition[] | Error) => {
    if (answered) return
    answered = true
    answer.resolve(positions)
    // A host counts as ready when its apps are at the switch, not when it failed or gave up waiting.
    if (Array.isArray(positions) && positions.some((p) => p.kind === 'at-switch') && !positions.some((p) => p.kind === 'waiting')) channel.onReady()
  }
  const ended = (async (): Promise<HostEnd> => {
    if (options.delivered && !(await options.delivered(gates.host.label))) {
      const before = gates.apps.map((app): SwitchPosition => ({app, kind: 'gone', reason: NEVER_REACHED}))
      settle(before)
      return {before}
    }
    const seconds = Math.max(1, Math.ceil((options.deadline - Date.now()) / 1000))
    const command = gateAwaitSwitch(options.id, seconds, gates.apps, {thenSwitch: true})
    // Once the word is out, the host has commandMs to answer; past that graduate:switch is tried instead.
    const silent = new AbortController()
    let timer: NodeJS.Timeout | undefined
    let running = true
    void channel.word.then(() => {
      if (running) timer = setTimeout(() => silent.abort(new Error(`no answer to the switch within ${options.commandMs} ms`)), options.commandMs)
    })
    let stdout = ''
    const onStdout = (chunk: string) => {
      stdout += chunk
      const ready = answered ? null : READY.exec(stdout)
      if (ready) settle(safeParse(stdout.slice(0, ready.index), command))
    }
    try {
      const result = await gates.host.send(command, {
        timeoutMs: seconds * 1000 + options.commandMs,
        signal: AbortSignal.any([channel.signal, silent.signal]),
        laterStdin: channel.word,
        onStdout,
      })
      const ready = READY.exec(result.stdout)
      if (!ready) {
        const before = result.exitCode === 0 ? safeParse(result.stdout, command) : new Error(firstLine(result.stderr || `exit ${result.exitCode ?? 'unknown'}`))
        settle(before)
        return {before}
      }
      const before = safeParse(result.stdout.slice(0, ready.index), command)
      settle(before)
      const afterText = result.stdout.slice(ready.index + ready[0].length)
      // Cut off after `ready` (its fate unknown), or nothing said after it (the word came too late for
      // the host's own deadline): graduate:switch, idempotent, settles it.
      if (result.exitCode === null || afterText.trim() === '') return {before}
      const after = safeParse(afterText, command)
      if (after instanceof Error) return {before}
      return {before, after, ...(result.exitCode === 0 ? {} : {refusal: firstLine(result.stderr)})}
    } catch (error) {
      const before = error instanceof Error ? error : new Error(String(error))
      settle(before)
      return {before}
    } finally {
      running = false
      clearTimeout(timer)
    }
  })()
  return {answer: answer.promise, ended}
}

/** Describes a host once its await-switch ended; sends graduate:switch where the word did not get through. */
async function finishHost(gates: HostGates, end: HostEnd, options: SwitchOptions): Promise<HostSwitch> {
  const known = end.before
  const gone = new Map((Array.isArray(known) ? known : []).filter((position) => position.kind === 'gone').map((position) => [position.app, position]))
  if (end.after) return describeHost(gates, {before: known, after: end.after, gone, refusal: end.refusal}, options.nameOf)
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
}

function safeParse(text: string, command: ReturnType<typeof gateAwaitSwitch>): SwitchPosition[] | Error {
  try {
    return parseSwitchPositions(text, command)
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
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
