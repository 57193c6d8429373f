/** A Dokku global flag graduate sets on purpose; Dokku reads it before the command word. */
export type DokkuGlobalFlag = '--quiet'

/**
 * One Dokku operation as a value: what to run as `ssh dokku@host -- <rendered>`, built by the pure
 * functions in `commands/` and turned into the wire string only by `quote.ts`.
 */
export interface DokkuCommand {
  /** The command word and its arguments, unquoted: `['config:set', '--no-restart', 'api', 'A=b']`. */
  readonly argv: readonly string[]
  /** Rendered first, bare: `--quiet apps:list`. */
  readonly globalFlags?: readonly DokkuGlobalFlag[]
  /** Sent on the channel's stdin, e.g. the record JSON for `graduate:record`. */
  readonly stdin?: string
  /** Indices into `argv` whose values are secret: shown as `***` in logs and errors. */
  readonly secretArgs?: readonly number[]
  /** Exit codes that answer the question rather than fail it (`apps:exists` → `[0, 20]`). Default `[0]`. */
  readonly okExitCodes?: readonly number[]
  /**
   * Indices into `argv` of a Dokku global flag the subcommand reads itself (`graduate:unlock … --force`).
   * Dokku also acts on the flag wherever it appears (`--force` exports DOKKU_APPS_FORCE_DELETE=1); a
   * builder lists an index here only after judging that side effect harmless for its command.
   */
  readonly subcommandFlags?: readonly number[]
}

/** Whether `exitCode` is an answer for this command rather than a failure. A cut-off channel (null) never is. */
export function isExpectedExit(command: DokkuCommand, exitCode: number | null): boolean {
  return exitCode !== null && (command.okExitCodes ?? [0]).includes(exitCode)
}
