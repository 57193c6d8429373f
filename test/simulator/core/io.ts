import fs from 'node:fs'
import type {Writable} from 'node:stream'

/**
 * Dokku's loggers (plugins/common/functions, plugins/common/log.go): `-----> ` info1,
 * `=====> ` info2, seven spaces for verbose, ` !     ` warnings and failures on stderr.
 *
 * Writes never throw: on real Dokku a client that disconnects does not stop a deploy
 * (dokku-observed.md §4), so a broken pipe is ignored and the line still reaches the build log.
 */
export class Output {
  private readonly quiet: boolean
  private logFile: string | undefined
  private mergeStderr = false

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    options: {quiet: boolean},
  ) {
    this.quiet = options.quiet
    for (const stream of [stdout, stderr]) stream.on('error', () => {})
  }

  /** Build capture (dokku_setup_build_capture): stderr joins stdout, and everything is teed to the build log. */
  captureTo(logFile: string): void {
    this.logFile = logFile
    this.mergeStderr = true
  }

  info1(message: string): void {
    this.out(`-----> ${message}`)
  }

  info1Quiet(message: string): void {
    if (!this.quiet) this.info1(message)
  }

  info2(message: string): void {
    this.out(`=====> ${message}`)
  }

  info2Quiet(message: string): void {
    if (!this.quiet) this.info2(message)
  }

  verbose(message: string): void {
    this.out(`       ${message}`)
  }

  verboseQuiet(message: string): void {
    if (!this.quiet) this.verbose(message)
  }

  warn(message: string): void {
    this.err(` !     ${message}`)
  }

  /** A raw line on stdout. */
  out(line: string): void {
    this.write(this.stdout, `${line}\n`)
  }

  /** A raw line on stderr (stdout while capturing). */
  err(line: string): void {
    this.write(this.mergeStderr ? this.stdout : this.stderr, `${line}\n`)
  }

  /** Raw bytes from a child process, already line-terminated by it. */
  passthrough(chunk: Buffer | string, toStderr = false): void {
    this.write(toStderr && !this.mergeStderr ? this.stderr : this.stdout, chunk)
  }

  private write(stream: Writable, text: Buffer | string): void {
    if (this.logFile) {
      try {
        fs.appendFileSync(this.logFile, text)
      } catch {
        // The build log is best effort, as Dokku's tee is.
      }
    }
    if (stream.destroyed || stream.writableEnded) return
    try {
      stream.write(text)
    } catch {
      // EPIPE after the client went away: keep going.
    }
  }
}

/** Dokku's dokku_log_fail: message on stderr, exit 1 (or the given code). */
export class DokkuFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** A command ends with this code after its output already said why (a failed git command under `set -e`). */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
  }
}

export function fail(message: string, exitCode = 1): never {
  throw new DokkuFailure(message, exitCode)
}
