import type {HookSummary} from './types.js'
import type {ResolvedHook} from '../manifest/types.js'
import {runDokkuRunHook} from './dokku-run.js'
import {graduateVariables, localHookEnvironment, writeContextFile} from './environment.js'
import {runLocalHook} from './local.js'
import type {HookEnd, HookIo} from './runner.js'
import {runSshHook} from './ssh-hook.js'
import type {HookContext, HookPhaseResult, HookRunOptions, RunHookPhase} from './types.js'
import {judgeHookEnd} from './verdict.js'

/**
 * Runs one phase's hooks in manifest order, each under its own timeout, and stops at the first that
 * fails or times out: the rest are reported as skipped. Aborting `options.signal` stops the running
 * hook and skips the rest. Every hook emits `hook` start and end events, and its output as
 * `hook-output` lines under its label.
 */
export const runHookPhase: RunHookPhase = async (hooks, context, options) => {
  const phase = new PhaseRun(context, options)
  const summaries: HookSummary[] = []
  let failure: Pick<HookPhaseResult, 'failed' | 'cause'> = {}
  for (const hook of hooks) {
    if (failure.failed !== undefined || options.signal?.aborted) {
      summaries.push({phase: hook.phase, label: hook.label, result: 'skipped', exitCode: null, durationMs: 0})
      continue
    }
    const {summary, message} = await phase.run(hook)
    summaries.push(summary)
    if (summary.result !== 'ok') failure = {failed: summary, ...(message === undefined ? {} : {cause: message})}
  }
  return {ok: summaries.every((summary) => summary.result === 'ok'), hooks: summaries, ...failure}
}

/** Marks a stop as the hook's own deadline rather than the graduation's abort. */
const DEADLINE = Symbol('hook deadline')

class PhaseRun {
  private readonly variables: Record<string, string>
  private contextFile: Promise<string> | undefined

  constructor(
    private readonly context: HookContext,
    private readonly options: HookRunOptions,
  ) {
    this.variables = graduateVariables(context)
  }

  async run(hook: ResolvedHook): Promise<{summary: HookSummary; message: string | undefined}> {
    const {emit} = this.options
    const started = performance.now()
    emit({type: 'hook', phase: hook.phase, label: hook.label, state: 'start'})

    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(DEADLINE), hook.timeoutMs)
    const stop = this.options.signal ? AbortSignal.any([this.options.signal, deadline.signal]) : deadline.signal
    const io: HookIo = {
      stop,
      timeoutMs: hook.timeoutMs,
      output: (stream, line) => emit({type: 'hook-output', phase: hook.phase, label: hook.label, stream, line}),
    }
    let end: HookEnd
    try {
      end = await this.start(hook, io)
    } finally {
      clearTimeout(timer)
    }

    const interrupted = stop.aborted && stop.reason !== DEADLINE
    const verdict = judgeHookEnd(hook, end, interrupted ? 'abort' : 'timeout')
    const durationMs = Math.round(performance.now() - started)
    emit({
      type: 'hook',
      phase: hook.phase,
      label: hook.label,
      state: verdict.result,
      exitCode: verdict.exitCode,
      durationMs,
      ...(verdict.message === undefined ? {} : {message: verdict.message}),
    })
    return {summary: {phase: hook.phase, label: hook.label, result: verdict.result, exitCode: verdict.exitCode, durationMs}, message: verdict.message}
  }

  private async start(hook: ResolvedHook, io: HookIo): Promise<HookEnd> {
    const {action} = hook
    switch (action.kind) {
      case 'local': {
        let contextFile: string
        try {
          contextFile = await this.writeContextOnce()
        } catch (error) {
          return {kind: 'failed-to-run', reason: `graduate could not write its GRADUATE_CONTEXT file: ${(error as Error).message}`}
        }
        const env = localHookEnvironment(this.options.env ?? process.env, this.variables, contextFile)
        return runLocalHook(action, env, io)
      }
      case 'run':
        return runDokkuRunHook(action, this.variables, this.options.connect, io)
      case 'ssh':
        return runSshHook(action, this.variables, this.options.connect, io)
    }
  }

  /** Only local hooks read the file, so a phase without one writes none. */
  private writeContextOnce(): Promise<string> {
    this.contextFile ??= writeContextFile(this.context, this.options.workDir)
    return this.contextFile
  }
}
