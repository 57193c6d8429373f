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
   * command that fails is asked again (it changed nothing), up to three times in all.
   */
  async run(command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> {
    const attempts = options.readOnly ? READ_ONLY_ATTEMPTS : 1
    for (let attempt = 1; ; attempt++) {
      const result = await this.send(command, options)
      if (isExpectedExit(command, result.exitCode)) return result
      if (attempt >= attempts || options.signal?.aborted) {
        throw new RemoteCommandError({
          host: this.label,
          command: displayCommand(command),
          exitCode: result.exitCode,
          stderr: result.stderr || result.stdout,
          ...(options.hint === undefined ? {} : {hint: options.hint}),
          ...(options.failureExit === undefined ? {} : {exit: options.failureExit}),
        })
      }
      await sleep(backoff(attempt))
    }
  }

  /** Runs the command and resolves with whatever it did, exit code included. */
  async send(command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> {
    const wire = renderCommand(command)
    const attempts = options.readOnly ? READ_ONLY_ATTEMPTS : 1
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.connection.exec(wire, {
          timeoutMs: options.timeoutMs,
          displayCommand: displayCommand(command),
          ...(options.laterStdin !== undefined ? {laterStdin: options.laterStdin} : command.stdin === undefined ? {} : {stdin: command.stdin}),
          ...(options.signal === undefined ? {} : {signal: options.signal}),
          ...(options.onStdout === undefined ? {} : {onStdout: options.onStdout}),
          ...(options.onStderr === undefined ? {} : {onStderr: options.onStderr}),
        })
        // A channel that closed without an exit status: the connection dropped mid-command.
        if (result.exitCode === null && result.signal === null && attempt < attempts && !options.signal?.aborted) {
          await sleep(backoff(attempt))
          continue
        }
        return result
      } catch (error) {
        const transient = !(error instanceof CommandTimeoutError) && !(error instanceof RemoteCommandError) && !options.signal?.aborted
        if (attempt >= attempts || !transient) throw error
        await sleep(backoff(attempt))
      }
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(2000, 200 * 2 ** (attempt - 1)) + Math.floor(Math.random() * 100)
}
