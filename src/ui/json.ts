import type {EventSink, GraduationEvent} from '../graduation/events.js'

/** The keys every reader looks for first, in the order DESIGN.md §4 documents them. */
const LEADING_KEYS = ['ts', 'id', 'type', 'env', 'host', 'app'] as const

/**
 * `--json`: every event, `app-output` and `hook-output` included, as one JSON object per line (NDJSON),
 * in the order the graduation emitted them — which ends with its one `summary` event. Each call to
 * `write` receives one complete line, newline included, ready for stdout.
 */
export function jsonSink(write: (line: string) => void): EventSink {
  return (event) => write(`${JSON.stringify(withLeadingKeys(event))}\n`)
}

function withLeadingKeys(event: GraduationEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = event as unknown as Record<string, unknown>
  const ordered: Record<string, unknown> = {}
  for (const key of LEADING_KEYS) if (fields[key] !== undefined) ordered[key] = fields[key]
  return Object.assign(ordered, fields)
}
