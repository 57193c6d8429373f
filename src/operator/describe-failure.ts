import {GraduateError} from '../errors.js'

/** An error as an operator report row shows it: what went wrong, and graduate's hint as the fix. */
export function describeFailure(error: unknown): {reason: string; fix?: string} {
  if (error instanceof GraduateError) return {reason: error.message, ...(error.hint === undefined ? {} : {fix: error.hint})}
  return {reason: error instanceof Error ? error.message : String(error)}
}
