/** Dokku starts its error lines with ` !     ` (dokku-contract.md; e.g. `Could not start due to 1 failed checks (web.1)`). */
const DOKKU_ERROR = /^ !\s+(\S.*)$/
/** git's own ` ! [remote rejected] main -> main (…)` says only that the deploy failed, which the reason already says. */
const GIT_REF_STATUS = /^ ! \[/

/**
 * The lines of a deploy's output where Dokku said what went wrong — failed health checks, a failed
 * build — without the marker, each once, in order.
 */
export function dokkuErrors(lines: readonly string[]): string[] {
  const errors: string[] = []
  for (const line of lines) {
    if (GIT_REF_STATUS.test(line)) continue
    const match = DOKKU_ERROR.exec(line)
    if (match && !errors.includes(match[1]!)) errors.push(match[1]!)
  }
  return errors
}
