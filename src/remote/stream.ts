import {abortable} from '../abortable.js'
import {CommandTimeoutError, ConnectionError, GraduateError} from '../errors.js'
import type {HostSpec} from '../manifest/types.js'
import {OutputLines} from '../output-lines.js'
import type {HostConnection} from '../ssh/transport.js'
import {type RemoteCommand, send} from './send.js'

/** How a streamed command ended, as far as graduate can tell. */
export type StreamEnd =
  /** The command ran to its end with this status. */
  | {kind: 'exited'; exitCode: number}
  /** Something on the host killed it with a signal. */
  | {kind: 'killed'; signal: string}
  /** The connection dropped while it ran: whether it finished on `host` is unknown. */
  | {kind: 'dropped'; host: string}
  /** `stop` fired (or the deadline passed) while connecting to `host`: nothing was sent. */
  | {kind: 'stopped-connecting'; host: string}
  /** `stop` fired (or the deadline passed) while it ran: its channel to `host` was closed. */
  | {kind: 'stopped-running'; host: string}
  /** It could not be sent, or graduate lost track of it; `reason` says why, naming the host. */
  | {kind: 'not-run'; reason: string}

export interface StreamIo {
  /** Closes the channel (or gives up connecting) when it fires. */
  stop: AbortSignal
  timeoutMs: number
  /** One whole line of output, as it arrives. */
  line(stream: 'stdout' | 'stderr', text: string): void
}

/**
 * Sends one command that changes something (a hook's) and streams its output as whole lines: connects
 * (giving up when stopped), sends it once, and says how it ended instead of throwing. Stopping closes the
 * channel; the remote exit status is the command's.
 */
export async function streamCommand(
  host: HostSpec,
  command: RemoteCommand,
  connect: (host: HostSpec) => Promise<HostConnection>,
  io: StreamIo,
): Promise<StreamEnd> {
  let connection: HostConnection
  try {
    connection = await abortable(connect(host), io.stop)
  } catch (error) {
    if (io.stop.aborted) return {kind: 'stopped-connecting', host: host.display}
    // A ConnectionError names its host already.
    const reason = error instanceof ConnectionError ? describeError(error) : `could not connect to ${host.display}: ${describeError(error)}`
    return {kind: 'not-run', reason}
  }

  const stdout = new OutputLines((line) => io.line('stdout', line))
  const stderr = new OutputLines((line) => io.line('stderr', line))
  try {
    const result = await send(connection, command, {
      timeoutMs: io.timeoutMs,
      signal: io.stop,
      onStdout: (chunk) => stdout.write(chunk),
      onStderr: (chunk) => stderr.write(chunk),
    })
    if (result.exitCode !== null) return {kind: 'exited', exitCode: result.exitCode}
    if (result.signal !== null) return {kind: 'killed', signal: result.signal}
    return {kind: 'dropped', host: connection.label}
  } catch (error) {
    if (io.stop.aborted || error instanceof CommandTimeoutError) return {kind: 'stopped-running', host: connection.label}
    return {kind: 'not-run', reason: describeError(error)}
  } finally {
    stdout.end()
    stderr.end()
  }
}

function describeError(error: unknown): string {
  if (error instanceof GraduateError && error.hint !== undefined) return `${error.message} (${error.hint})`
  return error instanceof Error ? error.message : String(error)
}
