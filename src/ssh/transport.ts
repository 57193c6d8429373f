import type {RecordedHostKey} from './host-key-check.js'
import type {ConnectionSettings} from './settings.js'

/**
 * The seam between graduate and its SSH hosts. Orchestration depends only on these interfaces, so it
 * can be tested against a recording fake; node-ssh-transport.ts is the real implementation.
 */

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string
  /**
   * Instead of `stdin`: stdin stays open until this resolves, then its text is written and stdin closed.
   * For a command that waits on the host for a word from graduate (graduate:await-switch --then-switch).
   */
  laterStdin?: Promise<string>
  /**
   * Deadline for the whole call, including waiting for a free channel. When it passes the call rejects
   * with CommandTimeoutError (naming the host and command) and the channel is closed.
   */
  timeoutMs: number
  /** Aborting closes the channel and rejects with the signal's reason. */
  signal?: AbortSignal
  /** Called with decoded text as it arrives (never split inside a UTF-8 character). */
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** How to name the command in errors when the command itself carries something secret. */
  displayCommand?: string
}

export interface ExecResult {
  /**
   * The remote exit status. `null` with `signal: null` means the channel closed without an exit status:
   * the connection dropped (or was closed) while the command ran, and its outcome on the host is unknown.
   */
  exitCode: number | null
  /** The signal that killed the remote command (e.g. `SIGKILL`), when it was killed. */
  signal: string | null
  stdout: string
  stderr: string
  durationMs: number
}

export interface GitOptions {
  /** The local repository git runs in. */
  cwd: string
  /** Deadline for the whole git process; when it passes, git (and its ssh helper) is killed. */
  timeoutMs: number
  /** Aborting kills git and closes its channel; the call rejects with the signal's reason. */
  signal?: AbortSignal
  onStdout?: (chunk: string) => void
  /** git's progress and the remote's `remote: ` lines arrive here. */
  onStderr?: (chunk: string) => void
}

export interface HostConnection {
  /** e.g. `dokku@prod:22`. */
  readonly label: string
  exec(command: string, options: ExecOptions): Promise<ExecResult>
  /**
   * Runs a LOCAL git command (`push`, `fetch`, ...) whose ssh transport goes through this connection, with
   * the same host-key verification. Remote URLs must name this connection's user, host and port (see
   * gitRemoteUrl); any other remote is refused. The result is git's own exit status and output.
   */
  git(args: string[], options: GitOptions): Promise<ExecResult>
  /** Host keys this connection accepted as new and wrote to known_hosts (--accept-new-host-keys). */
  readonly recordedHostKeys?: readonly RecordedHostKey[]
  /** Closes every SSH connection to this host; commands still running are cut off. */
  close(): Promise<void>
}

export interface Transport {
  /**
   * Opens (or joins) the connection to a host; rejects with ConnectionError or HostKeyError when the host
   * cannot be reached, is not who known_hosts says, or refuses our keys. Connecting to the same user, host
   * and port again returns the same connection.
   */
  connect(settings: ConnectionSettings, signal?: AbortSignal): Promise<HostConnection>
  /** Closes every connection this transport opened. */
  closeAll(): Promise<void>
}
