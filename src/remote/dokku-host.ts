import type {DokkuCommand} from '../dokku/command.js'
import {isExpectedExit} from '../dokku/command.js'
import {displayCommand, renderCommand} from '../dokku/quote.js'
import type {ExitCode} from '../exit-codes.js'
import type {ExecResult, HostConnection} from '../ssh/transport.js'
import {type RemoteCommand, type SendOptions, dropped, run, send} from './send.js'

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
 * Runs Dokku commands on one host as the `dokku` login: the only place a DokkuCommand is rendered for
 * Dokku's forced command. An exit code the command does not expect becomes a RemoteCommandError naming
 * the host and the (redacted) command; the caller decides what it means for the graduation.
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
    const {hint} = options
    return run(this, forDokku(command), {
      ...sendOptions(options),
      expected: (exitCode) => isExpectedExit(command, exitCode),
      ...(hint === undefined ? {} : {hintFor: () => hint}),
      failureExit: options.failureExit,
    })
  }

  /**
   * Runs the command and resolves with whatever it did, exit code included. A read-only command whose
   * channel closed without an exit status (the connection dropped mid-command) is sent again, within
   * the same three sends.
   */
  async send(command: DokkuCommand, options: RemoteOptions): Promise<ExecResult> {
    return send(this.connection, forDokku(command), {...sendOptions(options), settled: (answer) => !dropped(answer)})
  }
}

/** Rendered for Dokku's forced command; throws UnsafeArgumentError before anything is sent. */
function forDokku(command: DokkuCommand): RemoteCommand {
  return {wire: renderCommand(command), display: displayCommand(command), stdin: command.stdin}
}

function sendOptions(options: RemoteOptions): SendOptions {
  return {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    attempts: options.readOnly ? READ_ONLY_ATTEMPTS : 1,
    onStdout: options.onStdout,
    onStderr: options.onStderr,
    laterStdin: options.laterStdin,
  }
}
