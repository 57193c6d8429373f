import {exitCodeTable} from '../exit-codes.js'
import type {AppResult, AppSummary, GraduationSummary, HookSummary} from '../graduation/events.js'
import {withoutSubject} from './app-status.js'
import {dokkuErrors} from './dokku-lines.js'
import {cleanLine, formatClock, formatDuration, shortRevision, wrapText} from './format.js'
import {hookName} from './hook-name.js'
import {describeSwitch} from './switch-words.js'
import {createStyle, type Style} from './style.js'
import {formatTable} from './table.js'

/** Every line stays under 100 columns. */
const MAX_WIDTH = 99
/** Dokku lines shown for a failed app; --verbose shows every line the engine kept. */
const LAST_LINES = 8

/**
 * The final report, for stdout: what happened in one headline, every app in a table (old → new revision,
 * result, when it went live), the flip skew, then what needs a reader's attention — each failed app's
 * reason and last Dokku lines, each partial app's repair command — and the hooks. Lines stay under 100
 * columns; no colour unless asked.
 */
export function renderSummary(summary: GraduationSummary, options: {color: boolean; verbose?: boolean}): string {
  const style = createStyle(options.color)
  const blocks: string[][] = [headline(summary, style)]
  if (summary.hint !== undefined) blocks.push(wrapText(`Try this: ${summary.hint}`, MAX_WIDTH, '  '))
  if (summary.apps.length > 0) blocks.push(appTable(summary, style))
  if (flipPossible(summary)) blocks.push([flipSkew(summary), ...(summary.switch && summary.switch.length > 0 ? wrapText(`switch: ${describeSwitch(summary.switch)}`, MAX_WIDTH, '  ') : [])])
  for (const app of summary.apps) {
    const details = appDetails(app, style, options.verbose === true)
    if (details.length > 0) blocks.push(details)
  }
  if (summary.hooks.length > 0) blocks.push(hookTable(summary.hooks, style))
  blocks.push(exitLine(summary))
  return `${blocks.map((lines) => lines.join('\n')).join('\n\n')}\n`
}

function headline(summary: GraduationSummary, style: Style): string[] {
  const {text, paint} = outcomeHeadline(summary, style)
  return wrapText(text, MAX_WIDTH, '  ').map((line) => style.bold(paint(line)))
}

/** What happened, in one sentence, and the colour that says whether it needs attention. */
function outcomeHeadline(summary: GraduationSummary, style: Style): {text: string; paint: (text: string) => string} {
  const live = summary.apps.filter((app) => app.result === 'live').length
  const unchanged = summary.apps.filter((app) => app.result === 'skipped').length
  const changed = summary.apps.length - unchanged
  const route = `from ${summary.from} to ${summary.to}`
  const cause = (fallback: string) => summary.cause ?? fallback
  if (summary.rollbackOf !== undefined) {
    const before = `to what ran before ${summary.rollbackOf}`
    if (summary.outcome === 'graduated') return {text: `Rolled back ${apps(live)} of ${summary.to} ${before} in ${formatDuration(summary.durationMs)}${unchanged > 0 ? ` (${unchanged} unchanged)` : ''}`, paint: style.green}
    if (summary.outcome === 'nothing-to-do') return {text: `Nothing to roll back: every app of ${summary.to} already runs what it ran before ${summary.rollbackOf}`, paint: style.green}
    if (summary.outcome === 'dry-run') return {text: `Dry run: ${apps(changed)} of ${summary.to} would roll back ${before}${unchanged > 0 ? `, ${unchanged} unchanged` : ''} — nothing was changed`, paint: style.bold}
  }
  switch (summary.outcome) {
    case 'graduated':
      return {text: `Graduated ${apps(live)} ${route} in ${formatDuration(summary.durationMs)}${unchanged > 0 ? ` (${unchanged} unchanged)` : ''}`, paint: style.green}
    case 'nothing-to-do':
      return {text: `Nothing to graduate: every app in ${summary.to} already runs what ${summary.from} runs`, paint: style.green}
    case 'dry-run':
      return {text: `Dry run: ${apps(changed)} would graduate ${route}${unchanged > 0 ? `, ${unchanged} unchanged` : ''} — nothing was changed`, paint: style.bold}
    case 'aborted':
      return {text: `Aborted: ${cause('the graduation stopped')} — no app changed, the old releases kept serving`, paint: style.yellow}
    case 'interrupted':
      return {text: `Interrupted: ${cause('stopped by a signal')} — every app was aborted, the old releases kept serving`, paint: style.yellow}
    case 'partial':
      return {text: `PARTIAL: ${cause('not every app went live after the release')} — ${live} of ${apps(changed)} went live; repair the others as shown below`, paint: style.red}
    case 'refused':
      return {text: `Refused: ${cause('the graduation could not start')} — nothing was changed`, paint: style.red}
  }
}

function apps(count: number): string {
  return `${count} app${count === 1 ? '' : 's'}`
}

function appTable(summary: GraduationSummary, style: Style): string[] {
  const header = ['app', 'host', 'revision', 'result', 'went live (UTC)'].map((title) => style.dim(title))
  const rows = summary.apps.map((app) => [
    app.targetApp === app.app ? app.app : `${app.app} (${app.targetApp})`,
    app.host,
    app.result === 'skipped' ? `${shortRevision(app.to)} unchanged` : `${app.from === null ? '(new)' : shortRevision(app.from)} → ${shortRevision(app.to)}`,
    resultWord(app.result, summary, style),
    app.liveAt === null ? '-' : formatClock(app.liveAt),
  ])
  return formatTable([header, ...rows], {indent: '  ', maxWidth: MAX_WIDTH, shrinkable: [1, 0]})
}

/** Before anything was deployed, "aborted" would overstate what happened to an app. */
function resultWord(result: AppResult, summary: GraduationSummary, style: Style): string {
  if (result === 'skipped') return style.dim('skipped')
  if (summary.outcome === 'dry-run') return 'would deploy'
  if (summary.outcome === 'refused' || summary.outcome === 'nothing-to-do') return 'not deployed'
  switch (result) {
    case 'live':
      return style.green('live')
    case 'aborted':
      return style.yellow('aborted')
    case 'failed':
      return style.red('failed')
    case 'partial':
      return style.red('PARTIAL')
  }
}

function flipPossible(summary: GraduationSummary): boolean {
  return summary.outcome === 'graduated' || summary.outcome === 'partial' || summary.outcome === 'aborted' || summary.outcome === 'interrupted'
}

function flipSkew(summary: GraduationSummary): string {
  const live = summary.apps.filter((app) => app.result === 'live')
  const timed = live.filter((app): app is AppSummary & {liveAt: string} => app.liveAt !== null).sort((a, b) => Date.parse(a.liveAt) - Date.parse(b.liveAt))
  if (summary.flipSkewMs !== null) {
    const first = timed[0]
    const last = timed.at(-1)
    return `flip skew ${formatDuration(summary.flipSkewMs)}${first && last && first !== last ? `: ${first.app} went live first, ${last.app} last` : ''}`
  }
  if (live.length === 0) return 'flip skew n/a: no app went live'
  if (live.length === 1) return `flip skew n/a: only ${live[0]!.app} went live`
  const untimed = live.filter((app) => app.liveAt === null).map((app) => app.app)
  if (untimed.length > 0) return `flip skew unknown: when ${untimed.join(', ')} went live was not recorded`
  return 'flip skew unknown'
}

function appDetails(app: AppSummary, style: Style, verbose: boolean): string[] {
  if (app.result === 'live' || app.result === 'skipped') return []
  const where = `${app.app} on ${app.host}`
  const reason = app.reason === undefined ? undefined : withoutSubject(app.reason, app.app, app.host)
  const lines: string[] = []
  if (app.result === 'failed') lines.push(...wrapText(`${where} failed: ${reason ?? 'no reason was recorded'}`, MAX_WIDTH, '  '))
  else if (app.result === 'partial') {
    lines.push(...wrapText(`${where} is PARTIAL: ${reason ?? 'it did not go live'}`, MAX_WIDTH, '  '))
    lines.push(`  ${serving(app)}`)
    if (app.repair) lines.push(`  repair: ${app.repair}`)
  } else if (reason) lines.push(...wrapText(`${where} ${app.result}: ${reason}`, MAX_WIDTH, '  '))
  const errors = dokkuErrors((app.lastLines ?? []).map(cleanLine))
  if (errors.length > 0) {
    lines.push('  Dokku reported:')
    for (const error of errors) lines.push(...wrapText(error, MAX_WIDTH - 4, '  ').map((part) => `    ${part}`))
  }
  const shown = verbose ? (app.lastLines ?? []) : (app.lastLines ?? []).slice(-LAST_LINES)
  if (shown.length > 0) {
    lines.push(`  last lines of its Dokku deploy output:`)
    for (const line of shown) lines.push(...wrapText(cleanLine(line), MAX_WIDTH - 4, '  ').map((part) => style.dim(`  | ${part}`)))
  }
  return lines
}

function serving(app: AppSummary): string {
  if (app.liveRev === null) return 'what it serves now could not be verified'
  if (app.liveRev === app.from) return `still serves the old release ${shortRevision(app.liveRev)}`
  if (app.liveRev === app.to) return `serves the new release ${shortRevision(app.liveRev)}`
  return `serves ${shortRevision(app.liveRev)}`
}

function hookTable(hooks: HookSummary[], style: Style): string[] {
  const rows = hooks.map((hook) => {
    const took = formatDuration(hook.durationMs)
    switch (hook.result) {
      case 'ok':
        return [hookName(hook.phase, hook.label), style.green('ok'), took]
      case 'failed':
        return [hookName(hook.phase, hook.label), style.red('failed'), `exit code ${hook.exitCode ?? 'unknown'} after ${took}`]
      case 'timeout':
        return [hookName(hook.phase, hook.label), style.red('timed out'), `after ${took}${hook.exitCode === null ? '' : `, exit code ${hook.exitCode}`}`]
      case 'skipped':
        return [hookName(hook.phase, hook.label), style.dim('skipped'), 'an earlier hook failed']
    }
  })
  return ['hooks', ...formatTable(rows, {indent: '  ', maxWidth: MAX_WIDTH, shrinkable: [0]})]
}

function exitLine(summary: GraduationSummary): string[] {
  const meaning = exitCodeTable.find((entry) => entry.code === summary.exitCode)?.meaning
  return wrapText(`exit code ${summary.exitCode}${meaning ? ` — ${meaning}` : ''}`, MAX_WIDTH, '  ')
}
