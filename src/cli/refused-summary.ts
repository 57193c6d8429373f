import {ExitCode} from '../exit-codes.js'
import type {ErrorReport} from './render-error.js'

/** What a run's --json stream ends with when the run could not start: a `refused` summary event carrying the error. */
export function refusedSummary(report: ErrorReport): unknown {
  return {ts: new Date().toISOString(), type: 'summary', outcome: 'refused', exitCode: report.exitCode ?? ExitCode.Usage, cause: report.message, error: report, apps: [], hooks: [], flipSkewMs: null}
}
