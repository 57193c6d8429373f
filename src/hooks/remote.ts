import {CommandTimeoutError, ConnectionError, GraduateError} from '../errors.js'
import type {HostSpec} from '../manifest/types.js'
import type {HostConnection} from '../ssh/transport.js'
import {OutputLines} from './output-lines.js'
import type {HookEnd, HookIo} from './runner.js'

/** A command string ready for the wire, and the host it runs on. */
export interface RemoteHookCommand {
  host: HostSpec
  command: string
  /** How errors name the command, when the wire string is not the clearest name. */
  displayCommand?: string
}

/**
 * Runs one command on a host for a `run` or `ssh` hook: connects (giving up when the hook is stopped),
 * streams the output as whole lines and reports how the command ended. Stopping closes the channel; the
 * remote exit status is the command's.
 */
export async function runRemoteHook(
  remote: RemoteHookCommand,
  connect: (host: HostSpec) => Promise<HostConnection>,
  io: HookIo,
): Promise<HookEnd> {
  let connection: HostConnection
  try {
    connection = await untilStopped(connect(remote.host), io.stop)
  } catch (error) {
    if (io.stop.aborted) return {kind: 'stopped', how: `it had not started: graduate was still connecting to ${remote.host.display}`}
    // A ConnectionError names its host already.
    const reason = error instanceof ConnectionError ? describeError(error) : `could not connect to ${remote.host.display}: ${describeError(error)}`
    return {kind: 'failed-to-run', reason}
  }

  const stdout = new OutputLines((line) => io.output('stdout', line))
  const stderr = new OutputLines((line) => io.output('stderr', line))
  const stopped: HookEnd = {kind: 'stopped', how: `its SSH channel to ${connection.label} was closed; the command may still be running there`}
  try {
    const result = await connection.exec(remote.command, {
      timeoutMs: io.timeoutMs,
      signal: io.stop,
      onStdout: (chunk) => stdout.write(chunk),
      onStderr: (chunk) => stderr.write(chunk),
      ...(remote.displayCommand === undefined ? {} : {displayCommand: remote.displayCommand}),
    })
    if (result.exitCode !== null) return {kind: 'exited', exitCode: result.exitCode}
    if (result.signal !== null) return {kind: 'killed', signal: result.signal}
    return {kind: 'lost', host: connection.label}
  } catch (error) {
    if (io.stop.aborted || error instanceof CommandTimeoutError) return stopped
    return {kind: 'failed-to-run', reason: describeError(error)}
  } finally {
    stdout.end()
    stderr.end()
  }
}

function untilStopped<T>(promise: Promise<T>, stop: AbortSignal): Promise<T> {
  if (stop.aborted) return Promise.reject(stop.reason)
  return new Promise((resolve, reject) => {
    const onStop = () => reject(stop.reason)
    stop.addEventListener('abort', onStop, {once: true})
    promise.then(
      (value) => {
        stop.removeEventListener('abort', onStop)
        resolve(value)
      },
      (error: unknown) => {
        stop.removeEventListener('abort', onStop)
        reject(error)
      },
    )
  })
}

function describeError(error: unknown): string {
  if (error instanceof GraduateError && error.hint !== undefined) return `${error.message} (${error.hint})`
  return error instanceof Error ? error.message : String(error)
}
