import type {PlanReport} from '../graduation/plan-report.js'
import type {Problem} from '../graduation/preflight.js'
import {wrapText} from './format.js'
import {countPlan, formatPlanDetails, formatPlanTable} from './plan-table.js'
import {createStyle, type Style} from './style.js'

const MAX_WIDTH = 99

/**
 * `graduate plan` for a person: a headline saying whether the graduation would go ahead, the plan table,
 * the subjects and drift under it, then what would stop it (with fixes) and what it would only warn about.
 */
export function renderPlanReport(report: PlanReport, options: {color: boolean}): string {
  const style = createStyle(options.color)
  const route = {from: report.from, to: report.to}
  const blocks: string[][] = []
  const verdict =
    report.problems.length > 0
      ? style.red(`would be refused: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} to fix first`)
      : report.apps.every((entry) => entry.action === 'skip')
        ? style.green('nothing to graduate')
        : style.green('ready')
  blocks.push([style.bold(`Plan ${report.from} → ${report.to}: ${countPlan(report.apps)}`) + ` — ${verdict}`])
  if (report.apps.length > 0) {
    blocks.push([
      ...formatPlanTable(report.apps, style, {indent: '  ', maxWidth: MAX_WIDTH}),
      ...formatPlanDetails(report.apps, route, style, {indent: '  ', maxWidth: MAX_WIDTH}),
    ])
  }
  if (report.skippedEnvironments.length > 0) {
    blocks.push([`This passes over ${report.skippedEnvironments.join(', ')}, which ${report.skippedEnvironments.length === 1 ? 'is' : 'are'} not changed.`])
  }
  if (report.problems.length > 0) blocks.push([style.bold('Problems'), ...report.problems.flatMap((entry) => problemLines(entry, style.red('error'), style))])
  if (report.warnings.length > 0) blocks.push([style.bold('Warnings'), ...report.warnings.flatMap((entry) => problemLines(entry, style.yellow('warning'), style))])
  return `${blocks.map((lines) => lines.join('\n')).join('\n\n')}\n`
}

function problemLines(entry: Problem, label: string, style: Style): string[] {
  const subject = [entry.host, entry.app].filter(Boolean).join(' ')
  return [
    ...wrapText(`  ${label} ${subject}: ${entry.message}`, MAX_WIDTH, '      '),
    ...(entry.fix ? wrapText(`    ${style.dim('fix:')} ${entry.fix}`, MAX_WIDTH, '      ') : []),
  ]
}
