import {setTimeout as sleep} from 'node:timers/promises'
import {CommandTimeoutError, RemoteCommandError} from '../errors.js'
import type {ExitCode} from '../exit-codes.js'
import type {ExecResult, HostConnection} from '../ssh/transport.js'

/*
 * The one place graduate sends a command to a host: Dokku commands (dokku-host.ts), a root login's lines
 * (root-host.ts) and hooks' commands (stream.ts) all come through here, with one retry budget and one
 * way of naming a command that failed.
 */

/** A command as it goes on the wire, and as output and errors name it. */
export interface RemoteCommand {
  wire: string
  /** The wire string with anything secret in it shown as `***`. */
  display: string
  stdin?: string | undefined
}

/** A host to send to, and how errors name it (e.g. `dokku@prod-1:22`). */
export interface SendTarget {
  readonly connection: HostConnection
  readonly label: string
}

export interface SendOptions {
  timeoutMs: number
  signal?: AbortSignal | undefined
  /**
   * How many sends in all (default one): more only for a command that changes nothing, since a send that
   * failed or dropped may still have run.
   */
  attempts?: number
  /** Whether an answer ends the sending; the last answer is returned either way. Default: any answer. */
  settled?: (answer: ExecResult) => boolean
  onStdout?: ((chunk: string) => void) | undefined
  onStderr?: ((chunk: string) => void) | undefined
  /** Written to stdin when it resolves (see ExecOptions.laterStdin); the command's own stdin is then ignored. */
  laterStdin?: Promise<string> | undefined
}

export interface RunOptions extends SendOptions {
  /** Which exit codes mean it worked (default: 0 only). */
  expected?: (exitCode: number | null) => boolean
  /** Who acts next when it fails, read from what it printed. */
  hintFor?: (output: string) => string | undefined
  /** The exit code graduate ends with when this failure ends the run. */
  failureExit?: ExitCode | undefined
}

/** True when the channel closed without an exit status: the connection dropped while the command ran. */
export function dropped(answer: ExecResult): boolean {
  return answer.exitCode === null && answer.signal === null
}

/**
 * Sends until `settled` accepts an answer or the attempts are used up, and resolves with the last answer.
 * Errors other than a timeout or a refusal are retried within the same budget; an aborted signal stops it.
 */
export async function send(connection: HostConnection, command: RemoteCommand, options: SendOptions): Promise<ExecResult> {
  const attempts = options.attempts ?? 1
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= attempts || Boolean(options.signal?.aborted)
    try {
      const answer = await connection.exec(command.wire, {
        timeoutMs: options.timeoutMs,
        displayCommand: command.display,
        ...(options.laterStdin !== undefined ? {laterStdin: options.laterStdin} : command.stdin === undefined ? {} : {stdin: command.stdin}),
        ...(options.signal === undefined ? {} : {signal: options.signal}),
        ...(options.onStdout === undefined ? {} : {onStdout: options.onStdout}),
        ...(options.onStderr === undefined ? {} : {onStderr: options.onStderr}),
      })
      if (last || (options.settled?.(answer) ?? true) || options.signal?.aborted) return answer
    } catch (error) {
      const transient = !(error instanceof CommandTimeoutError) && !(error instanceof RemoteCommandError) && !options.signal?.aborted
      if (last || !transient) throw error
    }
    await sleep(backoff(attempt))
  }
}

/**
 * Sends (asking again while the exit is not one it expects, within the attempts) and resolves with the
 * result; an exit it does not expect becomes a RemoteCommandError naming the host and the command.
 */
export async function run(target: SendTarget, command: RemoteCommand, options: RunOptions): Promise<ExecResult> {
  const expected = options.expected ?? ((exitCode) => exitCode === 0)
  const result = await send(target.connection, command, {settled: (answer) => expected(answer.exitCode), ...options})
  if (expected(result.exitCode)) return result
  const output = result.stderr || result.stdout
  const hint = options.hintFor?.(output)
  throw new RemoteCommandError({
    host: target.label,
    command: command.display,
    exitCode: result.exitCode,
    stderr: output,
    ...(hint === undefined ? {} : {hint}),
    ...(options.failureExit === undefined ? {} : {exit: options.failureExit}),
  })
}

function backoff(attempt: number): number {
  return Math.min(2000, 200 * 2 ** (attempt - 1)) + Math.floor(Math.random() * 100)
}
