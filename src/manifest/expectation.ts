/**
 * Messages of the form "expected <what>, got <what was there>". Schemas attach them as zod error
 * functions so each message sits beside the rule it explains.
 */

const SHOWN_TEXT_LIMIT = 60

/** How a YAML value reads in a message: the number 22, the text "abc", a list, nothing. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (typeof value === 'string') return `the text ${quoteShort(value)}`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return 'a list'
  return 'a map'
}

export function quoteShort(text: string): string {
  const shown = text.length > SHOWN_TEXT_LIMIT ? `${text.slice(0, SHOWN_TEXT_LIMIT)}…` : text
  return JSON.stringify(shown)
}

/** A zod error function: "missing; expected X" when the key is absent, else "expected X, got Y". */
export function expected(what: string): (issue: {input?: unknown}) => string {
  return (issue) => (issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`)
}
