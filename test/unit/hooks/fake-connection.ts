import type {HostSpec} from '../../../src/manifest/types.js'
import type {ExecOptions, ExecResult, GitOptions, HostConnection} from '../../../src/ssh/transport.js'

/** What one exec does: stream these chunks, then end with this status, or hang until the call is aborted. */
export interface ScriptedExec {
  stdout?: string[]
  stderr?: string[]
  exitCode?: number | null
  signal?: string | null
  /** Stream the chunks, then wait until the caller aborts; the call then rejects as the real transport does. */
  hang?: boolean
  /** Reject with this instead of running. */
  error?: Error
}

export interface RecordedExec {
  command: string
  options: ExecOptions
  /** Set when the caller aborted the call (closed the channel) while it ran. */
  aborted: boolean
}

/**
 * A HostConnection that runs nothing: it records every command string exactly as it would go on the
 * wire and plays back scripted results, streamed chunk by chunk on separate turns of the event loop.
 */
export class FakeConnection implements HostConnection {
  readonly calls: RecordedExec[] = []
  private readonly waiters: Array<(call: RecordedExec) => void> = []

  constructor(
    readonly label: string,
    private readonly script: (command: string) => ScriptedExec,
  ) {}

  /** The next exec call, or the latest one when it has started already. */
  nextCall(): Promise<RecordedExec> {
    const latest = this.calls.at(-1)
    if (latest !== undefined) return Promise.resolve(latest)
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const call: RecordedExec = {command, options, aborted: false}
    this.calls.push(call)
    for (const waiter of this.waiters.splice(0)) waiter(call)
    const scripted = this.script(command)
    if (scripted.error !== undefined) throw scripted.error

    for (const chunk of scripted.stdout ?? []) {
      await nextTurn()
      options.onStdout?.(chunk)
    }
    for (const chunk of scripted.stderr ?? []) {
      await nextTurn()
      options.onStderr?.(chunk)
    }
    if (scripted.hang) await untilAborted(call, options.signal)

    return {
      exitCode: scripted.exitCode === undefined ? 0 : scripted.exitCode,
      signal: scripted.signal ?? null,
      stdout: (scripted.stdout ?? []).join(''),
      stderr: (scripted.stderr ?? []).join(''),
      durationMs: 1,
    }
  }

  git(_args: string[], _options: GitOptions): Promise<ExecResult> {
    return Promise.reject(new Error('hooks never run git'))
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** A `connect` for HookRunOptions that hands out one fake per host and records which hosts were asked for. */
export function fakeConnector(connections: Record<string, FakeConnection>): {connect: (host: HostSpec) => Promise<HostConnection>; hosts: HostSpec[]} {
  const hosts: HostSpec[] = []
  return {
    hosts,
    connect: (host) => {
      hosts.push(host)
      const connection = connections[host.display]
      return connection === undefined ? Promise.reject(new Error(`test fake: no connection for ${host.display}`)) : Promise.resolve(connection)
    },
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function untilAborted(call: RecordedExec, signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    const onAbort = () => {
      call.aborted = true
      reject(signal?.reason)
    }
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, {once: true})
  })
}
