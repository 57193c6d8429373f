import {type DokkuCommand, isExpectedExit} from '../dokku/command.js'
import {type RootLogin, renderRootCommand} from '../dokku/root-shell.js'
import type {ExecResult, HostConnection} from '../ssh/transport.js'
import {type RemoteCommand, run} from './send.js'

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
    return run(this, asLine(renderRootCommand(command, this.login)), {
      timeoutMs: options.timeoutMs,
      expected: (exitCode) => isExpectedExit(command, exitCode),
      hintFor: (output) => this.hintFor(output),
    })
  }

  /** A shell line (built with words.ts's shellLine) with optional stdin; rejects unless it exits 0. */
  async shell(line: string, options: {timeoutMs: number; stdin?: string}): Promise<ExecResult> {
    return run(this, asLine(line, options.stdin), {timeoutMs: options.timeoutMs, hintFor: (output) => this.hintFor(output)})
  }

  private hintFor(output: string): string | undefined {
    if (/\bsudo:/.test(output)) {
      return `let ${this.label.split('@')[0]} run dokku through sudo without a password (a NOPASSWD sudoers rule for dokku), or connect as root with --user root`
    }
    return /must be run as root/.test(output) ? 'connect as root (--user root), or as a user who may run `sudo dokku`' : undefined
  }
}

/** A root login's line carries nothing secret: it is shown as sent. */
function asLine(line: string, stdin?: string): RemoteCommand {
  return {wire: line, display: line, stdin}
}
