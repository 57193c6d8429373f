export type OutputMode = 'json' | 'tasks' | 'plain'

export interface OutputConditions {
  /** `--json`. */
  json: boolean
  /** `--verbose`: every Dokku line, which only the line renderer can show in full. */
  verbose: boolean
  /** Whether the progress stream (stderr) is a terminal. */
  isTTY: boolean
  /** Running in CI (see `isCi`). */
  ci: boolean
  /** $TERM. */
  term?: string | undefined
  /** The progress terminal's width; some pseudo-terminals report 0, and a list cannot be redrawn in no width. */
  columns?: number | undefined
}

/**
 * Which renderer a graduation gets, decided once from flags and environment: `--json` wins; the updating
 * task list only on a capable terminal (not dumb, not zero columns wide) outside CI and without --verbose;
 * otherwise plain lines.
 */
export function pickOutput(conditions: OutputConditions): OutputMode {
  if (conditions.json) return 'json'
  if (conditions.verbose || conditions.ci || !conditions.isTTY || conditions.term === 'dumb' || conditions.columns === 0) return 'plain'
  return 'tasks'
}

/** CI services set CI (GitHub Actions, GitLab, CircleCI, Buildkite, Travis…); `CI=false` or `CI=0` turns it off. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env['CI']
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}
