import type {StoredRecord} from '../graduation/records.js'
import {formatDuration, shortRevision, wrapText} from '../ui/format.js'
import {formatTable} from '../ui/table.js'
import type {HistoryReport} from './history.js'

const MAX_WIDTH = 99

/**
 * The records for a person, oldest first: per run (a graduation or a rollback) a headline (id, kind, route, outcome), who ran it
 * when, how long it took and its flip skew, then each app's old → new revision and result.
 */
export function renderHistory(report: HistoryReport): string {
  const blocks: string[][] = []
  const where = report.hosts.join(', ')
  blocks.push([
    report.records.length === 0
      ? `${report.env}: no graduations recorded on ${where}`
      : `${report.env}: ${report.records.length} run${report.records.length === 1 ? '' : 's'} recorded on ${where}, oldest first`,
  ])
  for (const record of report.records) blocks.push(recordBlock(record))
  if (report.skipped.length > 0) blocks.push(report.skipped.map((entry) => `left out ${entry.id} on ${entry.host}: not a graduate record (${entry.problem})`))
  return `${blocks.map((lines) => lines.join('\n')).join('\n\n')}\n`
}

function recordBlock(record: StoredRecord): string[] {
  const kind = record.kind === 'rollback' ? `rollback of ${record.rollbackOf ?? '?'}` : `${record.fromEnv} → ${record.env}`
  const lines = wrapText(`${record.id}  ${kind}  ${record.outcome}${record.cause ? `: ${record.cause}` : ''}`, MAX_WIDTH, '    ')
  const facts = [`${formatWhen(record.startedAt)} by ${record.owner}`]
  if (record.durationMs !== undefined) facts.push(`took ${formatDuration(record.durationMs)}`)
  if (record.flipSkewMs !== null) facts.push(`flip skew ${formatDuration(record.flipSkewMs)}`)
  lines.push(`  ${facts.join(', ')}`)
  const rows = record.apps.map((app) => [
    app.app,
    app.targetApp === app.app ? app.host : `${app.host} (${app.targetApp})`,
    app.from === app.to ? shortRevision(app.to) : `${app.from === null ? '(new)' : shortRevision(app.from)} → ${shortRevision(app.to)}`,
    app.result,
  ])
  lines.push(...formatTable(rows, {indent: '  ', maxWidth: MAX_WIDTH, shrinkable: [1, 0]}))
  return lines
}

/** `2026-11-23 10:15:00 UTC`, or the stored text when it is not a time. */
function formatWhen(iso: string): string {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}
