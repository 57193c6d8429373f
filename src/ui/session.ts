import type {AppView, EventSink, GraduationSummary, PlannedApp} from '../graduation/events.js'
import {confirm, describePlanForConfirmation} from './confirm.js'
import {jsonSink} from './json.js'
import {isCi, pickOutput, type OutputMode} from './pick-renderer.js'
import {plainSink} from './plain.js'
import {colorWanted} from './style.js'
import {renderSummary} from './summary.js'
import {createTaskUi, type TaskUi} from './tasks.js'

export interface OutputSessionOptions {
  json: boolean
  verbose: boolean
  /** The graduation's apps as its tracker holds them now (EventBus.apps), which the task list shows. */
  apps: () => readonly AppView[]
  /** The process's own streams and environment unless given (tests give their own). */
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
  env?: NodeJS.ProcessEnv
}

/** Everything a graduation shows: its events, the confirmation, the final summary. */
export interface OutputSession {
  readonly mode: OutputMode
  /** Subscribe this to the graduation's EventBus. */
  sink: EventSink
  /** Shows the plan and asks whether to go ahead; false without a terminal to ask on. */
  confirm(plan: PlannedApp[], from: string, to: string, rollbackOf?: string): Promise<boolean>
  /** Waits for the progress display to finish, then prints the summary on stdout (with --json the summary event already was). */
  finish(summary: GraduationSummary): Promise<void>
  /** Stops the progress display; call it on every path (finish does), or a task display keeps stderr. */
  close(): Promise<void>
}

/**
 * The output of one graduation, chosen once: NDJSON on stdout with --json, the listr task list on a
 * terminal, plain lines otherwise (pick-renderer.ts). Progress and hook output go to stderr, results to stdout.
 */
export function openOutput(options: OutputSessionOptions): OutputSession {
  const stdin = options.stdin ?? process.stdin
  const stdout = options.stdout ?? process.stdout
  const stderr = options.stderr ?? process.stderr
  const env = options.env ?? process.env
  const mode = pickOutput({json: options.json, verbose: options.verbose, isTTY: stderr.isTTY === true, ci: isCi(env), term: env['TERM'], columns: stderr.columns})
  const progressColor = colorWanted(stderr, env)
  const tasks: TaskUi | undefined = mode === 'tasks' ? createTaskUi({stream: stderr, color: progressColor, apps: options.apps}) : undefined
  const render: EventSink =
    mode === 'json'
      ? jsonSink((line) => stdout.write(line))
      : (tasks?.sink ?? plainSink({write: (text) => stderr.write(text), verbose: options.verbose, color: progressColor, apps: options.apps}))
  let passedOver: string[] = []

  const close = async () => {
    await tasks?.done()
  }

  return {
    mode,
    sink: (event) => {
      if (event.type === 'plan') passedOver = event.skippedEnvironments
      render(event)
    },
    async confirm(plan, from, to, rollbackOf) {
      if (stdin.isTTY !== true || stderr.isTTY !== true) {
        stderr.write('graduate cannot ask for confirmation: this is not an interactive terminal. Run it again with --yes to graduate without a prompt.\n')
        return false
      }
      await tasks?.suspend()
      stderr.write(describePlanForConfirmation({apps: plan, skippedEnvironments: passedOver}, {from, to, ...(rollbackOf === undefined ? {} : {rollbackOf})}, {color: progressColor}))
      const count = plan.filter((entry) => entry.action === 'deploy').length
      const apps = `${count} app${count === 1 ? '' : 's'}`
      return confirm(rollbackOf === undefined ? `Graduate ${apps} from ${from} to ${to}?` : `Roll back ${apps} of ${to} to what ran before ${rollbackOf}?`, {input: stdin, output: stderr})
    },
    async finish(summary) {
      await close()
      if (mode !== 'json') stdout.write(renderSummary(summary, {color: colorWanted(stdout, env), verbose: options.verbose}))
    },
    close,
  }
}
