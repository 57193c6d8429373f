import type {PlannedApp} from '../graduation/events.js'
import {shortRevision} from './format.js'
import type {Style} from './style.js'
import {formatTable} from './table.js'

/**
 * The plan as a small table, for the CI log and the confirmation prompt: each app, where it goes (with the
 * Dokku app name when it differs from the manifest name), old → new revision, and whether it is deployed.
 */
export function formatPlanTable(apps: PlannedApp[], style: Style, options: {indent: string; maxWidth: number}): string[] {
  const rows = apps.map((entry) => [
    entry.app,
    entry.targetApp === entry.app ? entry.host : `${entry.host} (${entry.targetApp})`,
    entry.action === 'skip' ? shortRevision(entry.to) : `${entry.from === null ? '(new)' : shortRevision(entry.from)} → ${shortRevision(entry.to)}`,
    entry.action === 'skip' ? style.dim('unchanged, skip') : 'deploy',
  ])
  return formatTable([['app', 'target', 'revision', 'action'].map((title) => style.dim(title)), ...rows], {
    indent: options.indent,
    maxWidth: options.maxWidth,
    shrinkable: [1, 0],
  })
}

/** `2 to deploy, 1 unchanged`. */
export function countPlan(apps: PlannedApp[]): string {
  const deploy = apps.filter((entry) => entry.action === 'deploy').length
  const skip = apps.length - deploy
  return skip === 0 ? `${deploy} to deploy` : `${deploy} to deploy, ${skip} unchanged`
}
