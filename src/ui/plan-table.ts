import type {PlannedApp} from '../graduation/events.js'
import {cleanLine, shortRevision, wrapText} from './format.js'
import type {Style} from './style.js'
import {formatTable} from './table.js'

/**
 * The plan as a small table, for the CI log and the confirmation prompt: each app, where it goes (with the
 * Dokku app name when it differs from the manifest name), old → new revision or image, and how it is
 * deployed: `git push` of the revision, `git:from-image` of the image pinned by digest, or not at all.
 */
export function formatPlanTable(apps: PlannedApp[], style: Style, options: {indent: string; maxWidth: number}): string[] {
  const rows = apps.map((entry) => [
    entry.app,
    entry.targetApp === entry.app ? entry.host : `${entry.host} (${entry.targetApp})`,
    entry.action === 'skip' ? shortRevision(entry.to) : `${entry.from === null ? '(new)' : shortRevision(entry.from)} → ${shortRevision(entry.to)}`,
    entry.action === 'skip' ? style.dim('unchanged, skip') : entry.strategy === 'image' ? 'git:from-image' : 'git push',
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

/**
 * What the table leaves out, one line per fact, each wrapped to `maxWidth`: the commits' subjects, the
 * config keys on one side only (names, never values), differing scale, checks, proxy and domains, and
 * release tasks that run before the hold.
 */
export function formatPlanDetails(apps: PlannedApp[], route: {from: string; to: string}, style: Style, options: {indent: string; maxWidth: number}): string[] {
  const lines: string[] = []
  const add = (text: string) => lines.push(...wrapText(`${options.indent}${text}`, options.maxWidth, `${options.indent}    `))
  for (const entry of apps) {
    const subjects = [entry.fromSubject === undefined ? undefined : `was "${cleanLine(entry.fromSubject)}"`, entry.toSubject === undefined ? undefined : `${entry.action === 'skip' ? 'runs' : 'gets'} "${cleanLine(entry.toSubject)}"`]
    if (entry.toSubject !== undefined) add(`${entry.app}: ${subjects.filter(Boolean).join(', ')}`)
    const drift = entry.drift
    if (drift) {
      const notes: string[] = []
      const blocked = drift.missingInTarget.filter((key) => !drift.allowed.includes(key))
      if (blocked.length > 0) notes.push(`config only in ${route.from}: ${blocked.join(', ')}`)
      if (drift.allowed.length > 0) notes.push(`config only in ${route.from}, allowed: ${drift.allowed.join(', ')}`)
      if (drift.missingInSource.length > 0) notes.push(`config only in ${route.to}: ${drift.missingInSource.join(', ')}`)
      for (const scale of drift.scale) notes.push(`${scale.proc} scale ${scale.source} in ${route.from}, ${scale.target} in ${route.to}`)
      if (drift.checks) notes.push(`checks ${drift.checks.source} in ${route.from}; ${drift.checks.target} in ${route.to}`)
      if (drift.proxy) notes.push(`proxy ${drift.proxy.source} in ${route.from}, ${drift.proxy.target} in ${route.to}`)
      if (drift.domains) notes.push(`custom domains ${drift.domains.source ? 'set' : 'none'} in ${route.from}, ${drift.domains.target ? 'set' : 'none'} in ${route.to}`)
      for (const note of notes) add(`${blocked.length > 0 && note.startsWith(`config only in ${route.from}:`) ? style.red('drift') : style.yellow('drift')} ${entry.app}: ${note}`)
    }
    for (const task of entry.releaseTasks ?? []) {
      add(`${style.yellow('warning')} ${entry.app}: the ${task.where} "${cleanLine(task.command)}" looks like a migration; Dokku runs it before the hold, so it runs even if the graduation aborts — move it to graduate's POST hook`)
    }
  }
  return lines
}
