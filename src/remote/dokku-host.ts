import {setTimeout as sleep} from 'node:timers/promises'
import type {DokkuCommand} from '../dokku/command.js'
import {isExpectedExit} from '../dokku/command.js'
import {displayCommand, renderCommand} from '../dokku/quote.js'
import {ExitCode} from '../exit-codes.js'
import {CommandTimeoutError, RemoteCommandError} from '../errors.js'
import type {ExecResult, HostConnection} from '../ssh/transport.js'

export interface RemoteOptions {
  timeoutMs: number
  signal?: AbortSignal
  /**
   * A read-only command may be sent again when the connection dropped before it answered: it changed
   * nothing. Pushes, hooks, arming and decisions are never retried blindly.
   */
  readOnly?: boolean
  /** The exit code to report if this command fails (default: preflight, nothing changed). */
  failureExit?: ExitCode
  /** Who acts next when it fails. */
  hint?: string
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** Written to stdin when it resolves (see ExecOptions.laterStdin); the command's own stdin is then ignored. */
  laterStdin?: Promise<string>
}

const READ_ONLY_ATTEMPTS = 3

/**
 * Runs Dokku commands on one host: the only place a DokkuCommand is rendered and sent. An exit code
 * the command does not expect becomes a RemoteCommandError naming the host and the (redacted)
 * command; the caller decides what it means for the graduation.
 */
export class DokkuHost {
  constructor(
    readonly connection: HostConnection,
    /** e.g. `dokku@prod-1:22`. */
    readonly label: string,
  ) {}

  /**
   * Runs the command; resolves with its result when the exit code is one it expects. A read-only
   * command that fails, drops or cannot be sent is asked again (it changed nothing): three sends in all,
   * whatever went wrong each time.
   */
  async run(command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> {
    const result = await this.attempt(command, options, (answer) => isExpectedExit(command, answer.exitCode))
    if (isExpectedExit(command, result.exitCode)) return result
    throw new RemoteCommandError({
      host: this.label,
      command: displayCommand(command),
      exitCode: result.exitCode,
      stderr: result.stderr || result.stdout,
      ...(options.hint === undefined ? {} : {hint: options.hint}),
      ...(options.failureExit === undefined ? {} : {exit: options.failureExit}),
    })
  }

  /**
   * Runs the command and resolves with whatever it did, exit code included. A read-only command whose
   * channel closed without an exit status (the connection dropped mid-command) is sent again, within
   * the same three sends.
   */
  async send(command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> {
    return this.attempt(command, options, (answer) => !(answer.exitCode === null && answer.signal === null))
  }

  /**
   * The one retry budget: sends until `settled` accepts an answer, once in all for a command that
   * changes something and three times for a read-only one, and resolves with the last answer. Errors
   * other than a timeout or a refusal are retried within the same budget; an aborted signal stops it.
   */
  private async attempt(command: DokkuCommand, options: RemoteOptions, settled: (answer: ExecResult) => boolean): Promise<ExecResult> {
    const wire = renderCommand(command)
    const attempts = options.readOnly ? READ_ONLY_ATTEMPTS : 1
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts || Boolean(options.signal?.aborted)
      try {
        const answer = await this.connection.exec(wire, {
          timeoutMs: options.timeoutMs,
          displayCommand: displayCommand(command),
          ...(options.laterStdin !== undefined ? {laterStdin: options.laterStdin} : command.stdin === undefined ? {} : {stdin: command.stdin}),
          ...(options.signal === undefined ? {} : {signal: options.signal}),
          ...(options.onStdout === undefined ? {} : {onStdout: options.onStdout}),
          ...(options.onStderr === undefined ? {} : {onStderr: options.onStderr}),
        })
        if (last || settled(answer) || options.signal?.aborted) return answer
      } catch (error) {
        const transient = !(error instanceof CommandTimeoutError) && !(error instanceof RemoteCommandError) && !options.signal?.aborted
        if (last || !transient) throw error
      }
      await sleep(backoff(attempt))
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(2000, 200 * 2 ** (attempt - 1)) + Math.floor(Math.random() * 100)
}
