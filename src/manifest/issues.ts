import type {ManifestIssue} from '../errors.js'

export type PathSegment = string | number

/**
 * A problem found in the manifest's data, before it is placed in the file: the path to the
 * offending node, and whether the key (unknown, duplicate or badly named keys) or the value is at fault.
 */
export interface PathIssue {
  path: PathSegment[]
  at: 'key' | 'value'
  message: string
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/

/** `hooks.post[0].run.app`; keys that would confuse a dotted path are quoted: `apps["my.app"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

/** In reading order; problems at the same place keep the order they were found in. */
export function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>()
  return issues
    .filter((issue) => {
      const identity = `${issue.line}:${issue.column}:${issue.path}:${issue.message}`
      if (seen.has(identity)) return false
      seen.add(identity)
      return true
    })
    .sort((a, b) => a.line - b.line || a.column - b.column)
}
