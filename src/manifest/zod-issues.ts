import {z} from 'zod'

import type {PathIssue, PathSegment} from './issues.js'
import {suggestion} from './suggest.js'

/**
 * zod's issues as manifest problems. Messages come from the schema's own error functions; this
 * adds what zod cannot know: which branch of a union the reader meant, one problem per unknown key
 * with a did-you-mean, and that a bad record key is a problem with the key.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): PathIssue[] {
  return issues.flatMap((issue) => convert(issue, [], schema))
}

function convert(issue: z.core.$ZodIssue, prefix: PathSegment[], schema: z.ZodType): PathIssue[] {
  const path = [...prefix, ...issue.path.map(toSegment)]
  switch (issue.code) {
    case 'invalid_union': {
      // A branch that failed on more than the type of the value itself is the one the reader
      // wrote (a host string with a bad port, a host map with a typo): report that branch.
      const meant = issue.errors.find((branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0))
      if (meant !== undefined) return meant.flatMap((inner) => convert(inner, path, schema))
      return [{path, at: 'value', message: issue.message}]
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path)
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key',
        message: `unknown key ${JSON.stringify(key)}; ${suggestion(key, allowed, 'expected one of')}`,
      }))
    }
    case 'invalid_key':
      return issue.issues.map((inner) => ({path, at: 'key', message: inner.message}))
    default:
      return [{path, at: 'value', message: issue.message}]
  }
}

function toSegment(segment: PropertyKey): PathSegment {
  return typeof segment === 'number' ? segment : String(segment)
}

/** The keys the schema allows in the map at `path`, found by walking the schema along it. */
function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let candidates: z.ZodType[] = [schema]
  for (const segment of path) {
    candidates = candidates.flatMap(unwrap).flatMap((candidate) => {
      if (candidate instanceof z.ZodObject) {
        const field = candidate.shape[String(segment)]
        return field === undefined ? [] : [field as z.ZodType]
      }
      if (candidate instanceof z.ZodRecord) return [candidate.valueType as z.ZodType]
      if (candidate instanceof z.ZodArray) return [candidate.element as z.ZodType]
      return []
    })
  }
  const keys = candidates.flatMap(unwrap).flatMap((candidate) => (candidate instanceof z.ZodObject ? Object.keys(candidate.shape) : []))
  return [...new Set(keys)]
}

/** The schemas a value is checked against once optional, default, transform and union layers are peeled off. */
function unwrap(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault) {
    return unwrap(schema.unwrap() as z.ZodType)
  }
  if (schema instanceof z.ZodPipe) return unwrap(schema.in as z.ZodType)
  if (schema instanceof z.ZodUnion) return (schema.options as readonly z.ZodType[]).flatMap(unwrap)
  return [schema]
}
