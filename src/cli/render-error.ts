import {ExitCode} from '../exit-codes.js'
import {GraduateError, ManifestError} from '../errors.js'

export interface ErrorReport {
  code: string
  message: string
  hint?: string
  exitCode: number
  issues?: ManifestError['issues']
}

/** Any error as graduate reports it: our own errors keep their code and hint; oclif's usage errors exit 2. */
export function toErrorReport(error: unknown): ErrorReport {
  if (error instanceof ManifestError) {
    return {code: error.code, message: error.message, ...(error.hint ? {hint: error.hint} : {}), exitCode: error.exitCode, issues: error.issues}
  }
  if (error instanceof GraduateError) {
    return {code: error.code, message: error.message, ...(error.hint ? {hint: error.hint} : {}), exitCode: error.exitCode}
  }
  const oclif = error as {oclif?: {exit?: number}; message?: string}
  if (oclif?.oclif !== undefined) {
    return {code: 'usage', message: stripOclifNoise(oclif.message ?? String(error)), hint: 'see `graduate --help`', exitCode: ExitCode.Usage}
  }
  const message = error instanceof Error ? error.message : String(error)
  return {code: 'internal', message, hint: 'this is a bug in graduate; please report it with the command you ran', exitCode: ExitCode.Usage}
}

/** The human form, for stderr: the problem, then who acts next. */
export function renderErrorReport(report: ErrorReport): string {
  const lines = [`Error: ${report.message}`]
  if (report.hint) lines.push(`Try this: ${report.hint}`)
  return `${lines.join('\n')}\n`
}

function stripOclifNoise(message: string): string {
  return message.replace(/\nSee more help with --help$/, '').trim()
}
