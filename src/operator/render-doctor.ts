import {wrapText} from '../ui/format.js'
import {type Style, createStyle} from '../ui/style.js'
import type {DoctorReport} from './doctor.js'
import type {DoctorRow} from './doctor-rows.js'

const MAX_WIDTH = 99

/**
 * The report for a person: one block per host (its SSH settings, its own checks, then its apps' checks
 * per environment), each row as status, check and finding, with the fix under every warn and fail,
 * then the counts and what they mean.
 */
export function renderDoctor(report: DoctorReport, options: {color: boolean}): string {
  const style = createStyle(options.color)
  const checkWidth = Math.max(...report.rows.map((row) => row.check.length))
  const blocks: string[][] = [[`graduate doctor: ${report.environments.join(', ')} (${report.manifest}; this graduate ships gate plugin ${report.gatePlugin})`]]
  for (const host of report.hosts) {
    // describeSettings' first line names the host and how it was resolved; the rest are indented facts.
    const lines = [style.bold(`${host.host} — ${host.environments.join(', ')}`), ...host.settings.flatMap((line) => wrapText(`  ${line}`, MAX_WIDTH, '      ').map(style.dim))]
    const rows = report.rows.filter((row) => row.host === host.host)
    for (const row of rows.filter((entry) => entry.app === undefined)) lines.push(...formatRow(row, checkWidth, style))
    const apps = [...new Set(rows.filter((row) => row.app !== undefined).map((row) => `${row.env} ${row.app}`))]
    for (const subject of apps) {
      const appRows = rows.filter((row) => `${row.env} ${row.app}` === subject)
      const dokkuName = appRows[0]?.targetApp
      lines.push(`  ${style.bold(subject)}${dokkuName ? ` (${dokkuName})` : ''}`)
      for (const row of appRows) lines.push(...formatRow(row, checkWidth, style))
    }
    if (!host.reachable) lines.push(style.dim('  its apps were not checked: the host could not be reached'))
    blocks.push(lines)
  }
  blocks.push(wrapText(verdict(report), MAX_WIDTH).map((line) => paintVerdict(report, style)(line)))
  return `${blocks.map((lines) => lines.join('\n')).join('\n\n')}\n`
}

function formatRow(row: DoctorRow, checkWidth: number, style: Style): string[] {
  const status = row.status === 'ok' ? style.green('ok  ') : row.status === 'warn' ? style.yellow('warn') : style.red('fail')
  const prefix = `  ${status}  ${row.check.padEnd(checkWidth)}  `
  const indent = ' '.repeat(2 + 4 + 2 + checkWidth + 2)
  const found = wrapText(`${' '.repeat(indent.length)}${row.found}`, MAX_WIDTH, indent)
  found[0] = prefix + found[0]!.slice(indent.length)
  const fix = row.fix === undefined ? [] : wrapText(`${indent}fix: ${row.fix}`, MAX_WIDTH, `${indent}     `)
  return [...found, ...fix]
}

function verdict(report: DoctorReport): string {
  const {ok, warn, fail} = report.counts
  const counts = `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failure${fail === 1 ? '' : 's'}`
  if (fail > 0) return `${counts}: graduations are refused until each failure is fixed.`
  if (warn > 0) return `${counts}: graduations can run; each warning is something the protocol cannot promise, or worth fixing.`
  return `${counts}: ready to graduate.`
}

function paintVerdict(report: DoctorReport, style: Style): (text: string) => string {
  return report.counts.fail > 0 ? style.red : report.counts.warn > 0 ? style.yellow : style.green
}
