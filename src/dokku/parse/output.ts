import {z} from 'zod'

import {UnexpectedOutputError} from '../../errors.js'
import type {DokkuCommand} from '../command.js'
import {displayCommand} from '../quote.js'

/** The error for output graduate cannot read, naming the command that printed it. */
export function unexpectedOutput(from: DokkuCommand, output: string, problem: string): UnexpectedOutputError {
  return new UnexpectedOutputError({command: displayCommand(from), output, problem})
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ')
}

/** Parse one JSON document printed by `from` and check its shape; anything else is an UnexpectedOutputError. */
export function parseJsonOutput<Schema extends z.ZodType>(stdout: string, schema: Schema, from: DokkuCommand): z.output<Schema> {
  let document: unknown
  try {
    document = JSON.parse(stdout)
  } catch {
    throw unexpectedOutput(from, stdout, 'expected one JSON document')
  }

  const result = schema.safeParse(document)
  if (!result.success) throw unexpectedOutput(from, stdout, describeIssues(result.error))
  return result.data
}
