/*
 * What the three hook runners (local, dokku run, ssh) share: what they are given and how a hook can end.
 * run-phase.ts owns the deadline and the events; a runner only runs one command and says how it ended.
 */

export type OutputStream = 'stdout' | 'stderr'

export interface HookIo {
  /**
   * Fires when the hook must end now: its deadline passed or the graduation was aborted. The runner
   * ends the hook (kills its processes, or closes its channel) and reports `stopped`.
   */
  stop: AbortSignal
  /** The hook's timeout, for a transport that keeps a deadline of its own. */
  timeoutMs: number
  /** One whole line of the hook's output, as it arrives. */
  output(stream: OutputStream, line: string): void
}

export type HookEnd =
  /** The command ran to its end with this status. */
  | {kind: 'exited'; exitCode: number}
  /** Something other than graduate killed the command with a signal. */
  | {kind: 'killed'; signal: string}
  /** graduate ended it (deadline or abort); `how` says what was done, e.g. which processes were killed. */
  | {kind: 'stopped'; how: string}
  /** The SSH connection dropped while the command ran: whether it finished on the host is unknown. */
  | {kind: 'lost'; host: string}
  /** The command never ran, or graduate lost track of it; `reason` explains why and what to do. */
  | {kind: 'failed-to-run'; reason: string}
