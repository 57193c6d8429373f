import {createInterface} from 'node:readline'
import type {PlannedApp} from '../graduation/events.js'
import {countPlan, formatPlanDetails, formatPlanTable} from './plan-table.js'
import {createStyle} from './style.js'

export interface PromptStreams {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream & {isTTY?: boolean}
}

/**
 * Asks a yes/no question; Enter alone means no. `y`/`yes` and `n`/`no` (any case) answer it; anything else
 * asks again. End of input or Ctrl-C is a no. Lines are read as a stream, so answers typed (or pasted)
 * ahead of the next question are not lost.
 */
export async function confirm(question: string, streams: PromptStreams): Promise<boolean> {
  const reader = createInterface({input: streams.input, output: streams.output, terminal: streams.output.isTTY === true})
  // Without a listener readline would only pause the input on Ctrl-C, and the question would wait forever.
  const interrupted = new Promise<null>((resolve) => reader.once('SIGINT', () => resolve(null)))
  const answers = reader[Symbol.asyncIterator]()
  reader.setPrompt(`${question} [y/N] `)
  try {
    for (;;) {
      reader.prompt()
      const next = await Promise.race([answers.next(), interrupted])
      if (next === null || next.done === true) {
        streams.output.write('\n')
        return false
      }
      const verdict = readAnswer(next.value)
      if (verdict !== undefined) return verdict
      streams.output.write(`"${next.value.trim()}" is not an answer: type y (yes) or n (no); Enter alone means no.\n`)
    }
  } finally {
    reader.close()
  }
}

function readAnswer(answer: string): boolean | undefined {
  const word = answer.trim().toLowerCase()
  if (word === '' || word === 'n' || word === 'no') return false
  if (word === 'y' || word === 'yes') return true
  return undefined
}

/**
 * What the operator is asked to approve: the apps that change and the ones that do not, with old → new
 * revisions, target hosts and commit subjects, and how each target's settings differ from its source's.
 */
export function describePlanForConfirmation(
  plan: {apps: PlannedApp[]; skippedEnvironments?: string[]},
  route: {from: string; to: string; rollbackOf?: string},
  options: {color: boolean},
): string {
  const style = createStyle(options.color)
  const title = route.rollbackOf === undefined ? `Graduate ${route.from} → ${route.to}` : `Roll back ${route.to} to what ran before ${route.rollbackOf}`
  const lines = [
    `${style.bold(title)}: ${countPlan(plan.apps)}`,
    ...formatPlanTable(plan.apps, style, {indent: '  ', maxWidth: 100}),
    ...formatPlanDetails(plan.apps, route, style, {indent: '  ', maxWidth: 100}),
  ]
  const passed = plan.skippedEnvironments ?? []
  if (passed.length > 0) lines.push(`This passes over ${passed.join(', ')}, which ${passed.length === 1 ? 'is' : 'are'} not changed.`)
  return `${lines.join('\n')}\n`
}
