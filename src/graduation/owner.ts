import os from 'node:os'
import {stripVTControlCharacters} from 'node:util'

/** Who is graduating, for locks and records: `user@machine`, plus the CI job when one is running it. */
export function describeOwner(env: NodeJS.ProcessEnv = process.env): string {
  let user = env['USER'] ?? env['LOGNAME'] ?? 'unknown'
  try {
    user = os.userInfo().username
  } catch {
    // no passwd entry (some containers): keep the environment's idea
  }
  const who = `${user}@${os.hostname()}`
  const job = ciJob(env)
  return printableOwner(job ? `${who} (${job})` : who)
}

/** The gate plugin's limit on an owner (graduate:lock refuses more). */
const OWNER_MAX_LENGTH = 200

/**
 * The owner as it may travel and be shown. It comes from the environment (a CI job URL, a user name),
 * goes to every target host as one argument and is printed on terminals by status, history and the lock
 * messages, so: escape sequences dropped (they could redraw a terminal), control characters such as a
 * newline (which Dokku's SSH parsing would split) turned into spaces, and anything beyond printable ASCII
 * shown as `?`, since the gate checks `[[:print:]]` in whatever locale the host runs.
 */
export function printableOwner(text: string): string {
  const printable = stripVTControlCharacters(text)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[^\x20-\x7e]/gu, '?')
    .replace(/ +/g, ' ')
    .trim()
  const bounded = printable.length > OWNER_MAX_LENGTH ? `${printable.slice(0, OWNER_MAX_LENGTH - 3)}...` : printable
  return bounded === '' ? 'unknown' : bounded
}

function ciJob(env: NodeJS.ProcessEnv): string | undefined {
  if (env['GITHUB_ACTIONS'] === 'true') {
    return `GitHub Actions ${env['GITHUB_REPOSITORY'] ?? ''} run ${env['GITHUB_RUN_ID'] ?? '?'}`.replace(/\s+/g, ' ')
  }
  if (env['GITLAB_CI'] === 'true') return `GitLab CI job ${env['CI_JOB_URL'] ?? env['CI_JOB_ID'] ?? '?'}`
  if (env['BUILDKITE'] === 'true') return `Buildkite ${env['BUILDKITE_BUILD_URL'] ?? '?'}`
  if (env['CIRCLECI'] === 'true') return `CircleCI ${env['CIRCLE_BUILD_URL'] ?? '?'}`
  if (env['JENKINS_URL']) return `Jenkins ${env['BUILD_URL'] ?? '?'}`
  if (env['CI']) return `CI job ${env['CI_JOB_ID'] ?? ''}`.trim()
  return undefined
}
