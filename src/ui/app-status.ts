import type {AppState, PlannedApp} from '../graduation/events.js'
import {shortRevision} from './format.js'
import type {Style} from './style.js'

export interface AppStatus {
  app: string
  host: string
  state: AppState
  rev?: string | undefined
  message?: string | undefined
}

/**
 * One app's state in words, the same in the CI lines and the terminal tasks:
 * `api (dokku@prod:22) held 8b1d4e0`. The plan supplies the revisions an event leaves out.
 */
export function describeApp(status: AppStatus, plan: PlannedApp | undefined, style: Style): string {
  return `${status.app} (${status.host}) ${describeState(status, plan, style)}`
}

function describeState(status: AppStatus, plan: PlannedApp | undefined, style: Style): string {
  const words = stateWords(status, plan, style)
  return status.message ? `${words}: ${withoutSubject(status.message, status.app, status.host)}` : words
}

/**
 * The engine's reasons name their app and host (`api on dokku@prod:22: the build failed`) so they can stand
 * alone as the cause of a graduation; next to the app's own name that prefix only repeats it.
 */
export function withoutSubject(message: string, app: string, host: string): string {
  const subject = `${app} on ${host}: `
  return message.startsWith(subject) ? message.slice(subject.length) : message
}

function stateWords(status: AppStatus, plan: PlannedApp | undefined, style: Style): string {
  const incoming = short(plan?.to ?? status.rev)
  const serving = plan ? plan.from : (status.rev ?? null)
  switch (status.state) {
    case 'planned':
      return `waiting to deploy ${incoming}`
    case 'skipped':
      return style.dim(`unchanged at ${short(serving ?? undefined)}, skipped`)
    case 'fetching':
      return `fetching ${incoming}${plan ? ` from ${plan.sourceHost}` : ''}`
    case 'pushing':
      return `deploying ${incoming}`
    case 'held':
      return `${style.cyan('held')} ${incoming}${serving ? `, ${short(serving)} still serving` : ''}`
    case 'releasing':
      return `releasing ${incoming}`
    case 'live':
      return `${style.green('live')} ${short(status.rev ?? plan?.to)}${serving ? ` (was ${short(serving)})` : ''}`
    case 'aborting':
      return `aborting ${incoming}`
    case 'aborted':
      return `${style.yellow('aborted')}, ${serving ? `${short(serving)} kept serving` : 'it had no release before'}`
    case 'failed':
      return style.red('failed')
    case 'partial':
      return style.red('PARTIAL')
  }
}

function short(rev: string | undefined): string {
  return rev === undefined ? '?' : shortRevision(rev)
}
