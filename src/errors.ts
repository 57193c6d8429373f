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

/** Another graduation holds the environment lock. Wait, or unlock if its owner is gone. */
export class LockHeldError extends GraduateError {
  constructor(message: string, hint: string) {
    super(message, {exitCode: ExitCode.LockHeld, code: 'lock_held', hint})
  }
}
