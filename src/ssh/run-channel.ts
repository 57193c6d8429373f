import type {ClientChannel} from 'ssh2'
import {collectOutput} from './collect-output.js'
import type {ExecResult} from './transport.js'

export type ChannelOutcome = Omit<ExecResult, 'durationMs'>

/** An exec channel and its exit status, recorded from the moment the channel exists. */
export interface OpenedChannel {
  channel: ClientChannel
  /** Both null until (and unless) the host reports how the command ended. */
  readonly exit: {code: number | null; signal: string | null}
}

/**
 * Must be called in ssh2's exec callback itself: the exit status can arrive in the same network read as
 * the exec's acknowledgement, and ssh2 does not replay it to a listener attached later.
 */
export function recordExit(channel: ClientChannel): OpenedChannel {
  const exit: OpenedChannel['exit'] = {code: null, signal: null}
  channel.on('exit', (code: number | null, signal?: string) => {
    exit.code = code ?? null
    exit.signal = signal ?? null
  })
  return {channel, exit}
}

/**
 * Calls `done` once the channel has closed and its stderr has ended: only then is all of the command's
 * output in, since ssh2 can report the close before the last stderr data. A write racing the remote's
 * close is reported as an error and again as 'close'; 'close' decides.
 */
export function whenDrained(channel: ClientChannel, done: () => void): void {
  let closed = false
  let stderrEnded = false
  const settle = () => {
    if (closed && stderrEnded) done()
  }
  channel.on('error', () => {})
  channel.stderr.once('end', () => {
    stderrEnded = true
    settle()
  })
  channel.once('close', () => {
    closed = true
    settle()
  })
}

/**
 * Drives one exec channel to its end: feeds stdin, streams and collects output, and resolves once the
 * channel has closed and both output streams are drained. An aborted signal closes the channel and
 * rejects with the signal's reason.
 */
export function runChannel(
  {channel, exit}: OpenedChannel,
  options: {stdin?: string; laterStdin?: Promise<string>; signal: AbortSignal; onStdout?: (chunk: string) => void; onStderr?: (chunk: string) => void},
): Promise<ChannelOutcome> {
  return new Promise((resolve, reject) => {
    const stdout = collectOutput(channel, options.onStdout)
    const stderr = collectOutput(channel.stderr, options.onStderr)
    const onAbort = () => {
      channel.close()
      reject(options.signal.reason)
    }
    let closed = false
    channel.once('close', () => (closed = true))
    whenDrained(channel, () => {
      options.signal.removeEventListener('abort', onAbort)
      resolve({exitCode: exit.code, signal: exit.signal, stdout: stdout(), stderr: stderr()})
    })

    if (options.signal.aborted) {
      onAbort()
      return
    }
    options.signal.addEventListener('abort', onAbort, {once: true})
    if (options.laterStdin) {
      // The word may come after the command ended on its own: then there is nobody to tell.
      void options.laterStdin.then((text) => closed || channel.end(text))
    } else if (options.stdin === undefined) channel.end()
    else channel.end(options.stdin)
  })
}
