import {ExitCode} from './exit-codes.js'

/**
 * Every error graduate reports says who acts next: `hint` is what the reader should do about it,
 * and `exitCode` comes from the one table in exit-codes.ts.
 */
export class GraduateError extends Error {
  readonly exitCode: ExitCode
  readonly hint: string | undefined
  /** Stable machine-readable name, used in --json output. */
  readonly code: string

  constructor(message: string, options: {exitCode: ExitCode; code: string; hint?: string; cause?: unknown}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.exitCode = options.exitCode
    this.code = options.code
    this.hint = options.hint
  }
}

/** One problem in the manifest, located in its file. */
export interface ManifestIssue {
  file: string
  line: number
  column: number
  /** Dotted path into the document, e.g. `environments.production.host`; empty for the root. */
  path: string
  message: string
}

export function formatManifestIssue(issue: ManifestIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`
}

/** The manifest is wrong; every problem is listed at once. The user edits the file. */
export class ManifestError extends GraduateError {
  readonly issues: ManifestIssue[]

  constructor(issues: ManifestIssue[], hint = 'fix the manifest and run `graduate validate`') {
    super(issues.map(formatManifestIssue).join('\n'), {exitCode: ExitCode.Usage, code: 'manifest_invalid', hint})
    this.issues = issues
  }
}

/** Wrong flags or arguments. The user retypes the command. */
export class UsageError extends GraduateError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.Usage, code: 'usage', ...(hint === undefined ? {} : {hint})})
  }
}

/** A host could not be reached or refused us. Nothing was changed on it. */
export class ConnectionError extends GraduateError {
  readonly host: string

  constructor(host: string, message: string, options: {hint?: string; cause?: unknown; code?: string} = {}) {
    super(`${host}: ${message}`, {
      exitCode: ExitCode.Preflight,
      code: options.code ?? 'connection_failed',
      ...(options.hint === undefined ? {} : {hint: options.hint}),
      cause: options.cause,
    })
    this.host = host
  }
}

/** The host's key is not known, or it changed. The user must verify it out of band. */
export class HostKeyError extends ConnectionError {
  readonly kind: 'unknown' | 'changed' | 'revoked'
  readonly presented: string
  readonly expected: string[]

  constructor(
    host: string,
    kind: 'unknown' | 'changed' | 'revoked',
    details: {presented: string; expected?: string[]; message: string; hint: string},
  ) {
    super(host, details.message, {hint: details.hint, code: `host_key_${kind}`})
    this.kind = kind
    this.presented = details.presented
    this.expected = details.expected ?? []
  }
}

/** A host or app is not ready for a graduation. Nothing was changed. */
export class PreflightError extends GraduateError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.Preflight, code: 'preflight_failed', ...(hint === undefined ? {} : {hint})})
  }
}

/** A remote Dokku command exited non-zero where that is not an expected answer. */
export class RemoteCommandError extends GraduateError {
  readonly host: string
  readonly command: string
  readonly remoteExitCode: number | null
  readonly stderr: string

  constructor(details: {host: string; command: string; exitCode: number | null; stderr: string; hint?: string; exit?: ExitCode}) {
    const firstLine = details.stderr.trim().split('\n').find((line) => line.trim() !== '') ?? ''
    const status = details.exitCode === null ? 'was cut off' : `exited ${details.exitCode}`
    super(`${details.host}: \`${details.command}\` ${status}${firstLine ? `: ${firstLine.replace(/^\s*!\s+/, '')}` : ''}`, {
      exitCode: details.exit ?? ExitCode.Preflight,
      code: 'remote_command_failed',
      ...(details.hint === undefined ? {} : {hint: details.hint}),
    })
    this.host = details.host
    this.command = details.command
    this.remoteExitCode = details.exitCode
    this.stderr = details.stderr
  }
}

/**
 * The gate answered `graduate:facts`, but a Dokku command it ran on the host for one app failed: that
 * app's facts are unknown. Each failure names the command and its answer.
 */
export class AppFactsError extends GraduateError {
  readonly host: string
  readonly app: string

  constructor(details: {host: string; app: string; failures: readonly string[]; exit?: ExitCode}) {
    super(`${details.host}: could not read ${details.app}: ${details.failures.join('; ')}`, {
      exitCode: details.exit ?? ExitCode.Preflight,
      code: 'app_facts_unreadable',
      hint: `run the failing command on ${details.host} as the dokku user to see why`,
    })
    this.host = details.host
    this.app = details.app
  }
}

/**
 * A remote command (or a git push/fetch to a host) did not finish within its deadline; its channel was
 * closed. The command may still be running on the host, so the caller decides what that means.
 */
export class CommandTimeoutError extends GraduateError {
  readonly host: string
  readonly command: string
  readonly timeoutMs: number

  constructor(details: {host: string; command: string; timeoutMs: number; hint?: string; exit?: ExitCode}) {
    super(`${details.host}: \`${details.command}\` did not finish within ${formatSeconds(details.timeoutMs)}`, {
      exitCode: details.exit ?? ExitCode.Preflight,
      code: 'remote_command_timeout',
      ...(details.hint === undefined ? {} : {hint: details.hint}),
    })
    this.host = details.host
    this.command = details.command
    this.timeoutMs = details.timeoutMs
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`
}

/** Another graduation holds the environment lock. Wait, or unlock if its owner is gone. */
export class LockHeldError extends GraduateError {
  constructor(message: string, hint: string) {
    super(message, {exitCode: ExitCode.LockHeld, code: 'lock_held', hint})
  }
}

/**
 * graduate refused to send an argument that Dokku's SSH command parsing would change or act on
 * (dokku-contract.md §2.4, dokku-observed.md §7). Nothing was sent.
 */
export class UnsafeArgumentError extends GraduateError {
  /** The argument as it may be shown: JSON-quoted, or `***` when it is a secret. */
  readonly argument: string
  readonly reason: string

  constructor(details: {command: string; position: number; argument: string; reason: string; hint: string}) {
    const which = details.position === 0 ? 'the command word' : `argument ${details.position}`
    super(`cannot send ${which} of \`${details.command}\` (${details.argument}) to Dokku: ${details.reason}`, {
      exitCode: ExitCode.Usage,
      code: 'unsafe_argument',
      hint: details.hint,
    })
    this.argument = details.argument
    this.reason = details.reason
  }
}

/** A Dokku command or the gate plugin printed something graduate cannot read. Nothing was changed by reading it. */
export class UnexpectedOutputError extends GraduateError {
  readonly command: string
  /** The start of what the command printed, for the report. */
  readonly excerpt: string

  constructor(details: {command: string; output: string; problem: string}) {
    const excerpt = details.output.length > 200 ? `${details.output.slice(0, 200)}…` : details.output
    super(`\`${details.command}\` printed output graduate cannot read (${details.problem}): ${JSON.stringify(excerpt)}`, {
      exitCode: ExitCode.Preflight,
      code: 'unexpected_output',
      hint:
        'check that the host runs Dokku 0.38 or newer and a graduate gate plugin with the protocol this graduate speaks ' +
        '(`graduate doctor`); if both are right, this is a graduate bug: report it with this message',
    })
    this.command = details.command
    this.excerpt = excerpt
  }
}
