import type {AppView, EventSink, GraduationEvent, PlannedApp} from '../graduation/events.js'
import {describeApp} from './app-status.js'
import {cleanLine, formatDuration, formatOffset} from './format.js'
import {hookName} from './hook-name.js'
import {describeLockHolder} from './lock-holder.js'
import {countPlan, formatPlanDetails, formatPlanTable} from './plan-table.js'
import {createStyle, type Style} from './style.js'
import {describeSwitch} from './switch-words.js'

export interface PlainOptions {
  /** Receives whole lines, newline included; stderr in the command. */
  write(text: string): void
  /** Also print every line of each app's Dokku deploy output. */
  verbose: boolean
  color: boolean
  /** The graduation's apps as its tracker holds them now (EventBus.apps): an app's plan, for its lines. */
  apps: () => readonly AppView[]
}

const TIME_WIDTH = 7
const CONTINUATION = ' '.repeat(TIME_WIDTH + 1)
const MAX_WIDTH = 100

/**
 * Readable lines for CI logs and other non-terminals: every line of the graduation's own says how long
 * after the start it happened (`+12.3s`); output from hooks (and, verbose, from Dokku) follows under
 * its label. Nothing is redrawn: no cursor movement, no spinners.
 */
export function plainSink(options: PlainOptions): EventSink {
  const style = createStyle(options.color)
  const planOf = (app: string): PlannedApp | undefined => options.apps().find((view) => view.app === app)?.plan
  const route = {from: '', to: ''}
  const stage = {current: ''}
  let startedAt: number | undefined

  return (event) => {
    startedAt ??= Date.parse(event.ts)
    if (event.type === 'hook-output') {
      options.write(`${CONTINUATION}[${event.label}] ${cleanLine(event.line)}\n`)
      return
    }
    if (event.type === 'app-output') {
      if (options.verbose) options.write(`${CONTINUATION}${event.app} | ${cleanLine(event.line)}\n`)
      return
    }
    const at = formatOffset(Date.parse(event.ts) - startedAt).padStart(TIME_WIDTH)
    if (event.type === 'start') Object.assign(route, {from: event.from, to: event.to})
    if (event.type === 'stage') stage.current = event.stage
    const [first, ...rest] = describe(event, {style, planOf, route, stage: stage.current, verbose: options.verbose})
    options.write(`${[`${at} ${first}`, ...rest.map((line) => CONTINUATION + line)].join('\n')}\n`)
  }
}

interface Context {
  style: Style
  planOf: (app: string) => PlannedApp | undefined
  route: {from: string; to: string}
  stage: string
  verbose: boolean
}

type StampedEvent = Exclude<GraduationEvent, {type: 'app-output' | 'hook-output'}>

/** An event of the graduation's own as log lines: the first is stamped with the time, the rest continue it. */
function describe(event: StampedEvent, context: Context): [string, ...string[]] {
  const {style} = context
  switch (event.type) {
    case 'start':
      return [
        style.bold(event.rollbackOf === undefined ? `graduate ${event.from} → ${event.to}` : `graduate rollback ${event.to} to before ${event.rollbackOf}`) + `, graduation ${event.id}`,
        `manifest ${event.manifest}; apps: ${event.apps.join(', ')}`,
      ]
    case 'stage':
      return [style.bold(`==> ${event.stage}`)]
    case 'host':
      return event.state === 'connected'
        ? [`${event.host} connected${event.durationMs === undefined ? '' : ` in ${formatDuration(event.durationMs)}`}`, ...(context.verbose ? (event.settings ?? []) : [])]
        : [`${style.red('could not connect')} to ${event.host}${event.message ? `: ${event.message}` : ''}`]
    case 'problem':
      return [
        `${event.severity === 'error' ? style.red('error') : style.yellow('warning')}: ${event.host}${event.app ? ` ${event.app}` : ''}: ${event.message}`,
        ...(event.fix ? [`fix: ${event.fix}`] : []),
      ]
    case 'lock':
      return [describeLock(event, style)]
    case 'plan':
      return [
        `plan: ${countPlan(event.apps)}`,
        ...formatPlanTable(event.apps, style, {indent: '  ', maxWidth: MAX_WIDTH - CONTINUATION.length}),
        ...formatPlanDetails(event.apps, context.route, style, {indent: '  ', maxWidth: MAX_WIDTH - CONTINUATION.length}),
        ...(event.skippedEnvironments.length > 0 ? [`passes over ${event.skippedEnvironments.join(', ')}, which ${event.skippedEnvironments.length === 1 ? 'is' : 'are'} not changed`] : []),
      ]
    case 'app':
      return [describeApp(event, context.planOf(event.app), style)]
    case 'hook':
      return [describeHook(event, style)]
    case 'decision':
      return event.decision === 'release'
        ? [style.green('decision: release every app')]
        : [`${style.red('decision: abort every app')}${event.reason ? `: ${event.reason}` : ''}`]
    case 'deploys-running':
      return [`${context.stage === 'abort' ? 'aborting' : 'releasing'}: waiting for Dokku to finish ${event.apps.join(', ')}… (${formatDuration(event.sinceDecisionMs)} since the decision)`]
    case 'switch':
      return [`switch: ${describeSwitch(event.hosts)} (sent ${formatDuration(event.waitedMs)} after the release)`]
    case 'warning':
      return [`${style.yellow('warning')}: ${[event.host, event.app].filter(Boolean).join(' ')}${event.host || event.app ? ': ' : ''}${event.message}`]
    case 'summary':
      return [`finished: ${event.outcome} in ${formatDuration(event.durationMs)}, exit code ${event.exitCode}`]
  }
}

function describeLock(event: Extract<GraduationEvent, {type: 'lock'}>, style: Style): string {
  const holder = describeLockHolder(event, event.ts)
  switch (event.state) {
    case 'acquired':
      return `${event.host} locked ${event.env}`
    case 'taken-over':
      return `${event.host} locked ${event.env}, taking over the expired lock held by ${holder}`
    case 'held':
      return `${style.red(`${event.env} is locked`)} on ${event.host} by ${holder}`
    case 'released':
      return `${event.host} unlocked ${event.env}`
  }
}

function describeHook(event: Extract<GraduationEvent, {type: 'hook'}>, style: Style): string {
  const name = hookName(event.phase, event.label)
  const took = event.durationMs === undefined ? '' : ` after ${formatDuration(event.durationMs)}`
  const why = event.message ? `: ${event.message}` : ''
  switch (event.state) {
    case 'start':
      return `${name} started`
    case 'ok':
      return `${name} ${style.green('ok')}${event.durationMs === undefined ? '' : ` in ${formatDuration(event.durationMs)}`}`
    case 'failed':
      return `${name} ${style.red(`failed with exit code ${event.exitCode ?? 'unknown'}`)}${took}${why}`
    case 'timeout':
      return `${name} ${style.red('timed out')}${took}${event.exitCode === undefined || event.exitCode === null ? '' : ` (exit code ${event.exitCode})`}${why}`
  }
}
