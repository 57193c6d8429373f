import {type DokkuCommand, isExpectedExit} from '../dokku/command.js'
import {type RootLogin, renderRootCommand} from '../dokku/root-shell.js'
import {RemoteCommandError} from '../errors.js'
import type {ExecResult, HostConnection} from '../ssh/transport.js'

/**
 * A host reached as root (or as a user who may `sudo dokku`): what installing the gate plugin needs,
 * since Dokku refuses plugin:install to its own user. Runs Dokku commands and plain shell lines; an exit
 * the command does not expect becomes a RemoteCommandError naming the host and the line.
 */
export class RootHost {
  constructor(
    readonly connection: HostConnection,
    /** e.g. `root@prod-1:22`. */
    readonly label: string,
    readonly login: RootLogin,
  ) {}

  /** A Dokku command, e.g. plugin:install; rejects unless it exits with one of its expected codes. */
  async dokku(command: DokkuCommand, options: {timeoutMs: number}): Promise<ExecResult> {
    const line = renderRootCommand(command, this.login)
    const result = await this.connection.exec(line, {timeoutMs: options.timeoutMs, displayCommand: line})
    if (!isExpectedExit(command, result.exitCode)) throw this.failure(line, result)
    return result
  }

  /** A shell line (already quoted for a POSIX shell) with optional stdin; rejects unless it exits 0. */
  async shell(line: string, options: {timeoutMs: number; stdin?: string}): Promise<ExecResult> {
    const result = await this.connection.exec(line, {timeoutMs: options.timeoutMs, displayCommand: line, ...(options.stdin === undefined ? {} : {stdin: options.stdin})})
    if (result.exitCode !== 0) throw this.failure(line, result)
    return result
  }

  private failure(line: string, result: ExecResult): RemoteCommandError {
    const output = result.stderr || result.stdout
    const hint = /\bsudo:/.test(output)
      ? `let ${this.label.split('@')[0]} run dokku through sudo without a password (a NOPASSWD sudoers rule for dokku), or connect as root with --user root`
      : /must be run as root/.test(output)
        ? 'connect as root (--user root), or as a user who may run `sudo dokku`'
        : undefined
    return new RemoteCommandError({host: this.label, command: line, exitCode: result.exitCode, stderr: output, ...(hint === undefined ? {} : {hint})})
  }
}
