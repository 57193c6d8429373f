import type {PushLine} from './push-lines.js'

/*
 * What a `git push` to a Dokku app did, read from its output and exit code. The markers are the ones
 * the observed transcripts (test/fixtures/dokku/push-*.txt) and dokku-plugin/PROTOCOL.md show. Lines of
 * concurrent containers interleave in any order (observed §2), so every marker is matched on its own
 * line and the result never depends on where a line appears.
 */

export type PushOutcome =
  /** The push updated the deploy branch and Dokku deployed it (exit 0). */
  | 'deployed'
  /** The branch already pointed at the revision: git sent nothing and Dokku deployed nothing. */
  | 'up-to-date'
  /** Accepted, but to a branch that is not the deploy branch: nothing deployed (exit 0). */
  | 'not-deployed-wrong-branch'
  /** The host's pre-receive hook declined: the deploy failed or was refused, and the branch is unchanged. */
  | 'rejected'
  /** git itself failed or the connection dropped; whether the deploy ran is unknown from here. */
  | 'failed'

export type PushFailureCause =
  | 'deploy-lock-held'
  | 'build-failed'
  | 'checks-failed'
  | 'release-task-failed'
  | 'gate-aborted'
  | 'gate-refused'
  | 'unknown'

export interface FailedCheck {
  /** `<proc>.<index>`, e.g. `web.1`. */
  readonly container: string
  readonly count: number
}

export interface PushClassification {
  readonly outcome: PushOutcome
  /** Why Dokku did not deploy; absent when it deployed or when nothing was attempted. */
  readonly cause?: PushFailureCause
  /** Containers whose Dokku health checks failed, from `Could not start due to N failed checks (web.1)`. */
  readonly failedChecks: readonly FailedCheck[]
  /** One line for a person: the line that decided the outcome or cause. */
  readonly detail: string
}

const WARN_PREFIX = /^ !\s+/
const FAILED_CHECKS = /^ !\s+Could not start due to (\d+) failed checks \(([^)]+)\)$/
const CHECK_FAILURE = /^ !\s+Failure in name=/

/** Dokku's failure markers, most specific first: when several appear, the earlier entry is the cause. */
const CAUSE_MARKERS: ReadonlyArray<{cause: PushFailureCause; marker: RegExp}> = [
  {cause: 'deploy-lock-held', marker: /^ !\s+.+ currently has a deploy lock in place\. Exiting\.\.\.$/},
  {cause: 'build-failed', marker: /^ !\s+App build failed$/},
  {cause: 'release-task-failed', marker: /^ !\s+Execution of (?:release|predeploy) task failed/},
  {cause: 'checks-failed', marker: FAILED_CHECKS},
  // The gate's refusal of a deploy it was not armed for, and its abort, expiry or orphan ending of a hold.
  {cause: 'gate-refused', marker: /^ !\s+graduate: .+ refusing this /},
  {cause: 'gate-aborted', marker: /^ !\s+graduate: /},
]

/** GNU parallel's echo of a failed container job: `…/scheduler-deploy-process-container <app> <builder> <image> <tag> <proc> <count> <index>`. */
const FAILED_JOB = /\/scheduler-deploy-process-container \S+ \S+ \S+ \S+ (\S+) \d+ (\d+)$/
const UP_TO_DATE = /^Everything up-to-date$/
const WRONG_BRANCH = /^-----> WARNING: deploy did not complete, you must push to /
const REMOTE_REJECTED = /^ ! \[remote rejected\] /
const GIT_ERROR = /^(?:fatal|error): /
/** git's summary of an updated ref: `   2be4874..20690cd  main -> main`. */
const REF_UPDATE = /^ [ +*] .+ -> /

function withoutWarnPrefix(text: string): string {
  return text.replace(WARN_PREFIX, '')
}

function failedChecksIn(remoteLines: readonly string[]): FailedCheck[] {
  const byContainer = new Map<string, number>()
  for (const text of remoteLines) {
    const match = FAILED_CHECKS.exec(text)
    if (match !== null) byContainer.set(match[2]!, Number(match[1]))
  }
  return [...byContainer].map(([container, count]) => ({container, count}))
}

function causeIn(remoteLines: readonly string[]): {cause: PushFailureCause; line: string} | undefined {
  for (const {cause, marker} of CAUSE_MARKERS) {
    const line = remoteLines.find((text) => marker.test(text))
    if (line !== undefined) return {cause, line}
  }
  return undefined
}

function describeFailure(found: {cause: PushFailureCause; line: string}, remoteLines: readonly string[]): string {
  const detail = withoutWarnPrefix(found.line)
  if (found.cause !== 'checks-failed') return detail
  const check = remoteLines.find((text) => CHECK_FAILURE.test(text))
  return check === undefined ? detail : `${detail}: ${withoutWarnPrefix(check)}`
}

function unknownFailureDetail(remoteLines: readonly string[], localLines: readonly string[], exitCode: number | null): string {
  const failedJobs = remoteLines.flatMap((text) => {
    const match = FAILED_JOB.exec(text)
    return match === null ? [] : [`${match[1]}.${match[2]}`]
  })
  if (failedJobs.length > 0) return `Dokku's deploy of ${[...new Set(failedJobs)].join(', ')} failed`
  const gitError = localLines.find((text) => REMOTE_REJECTED.test(text))?.trim() ?? localLines.findLast((text) => GIT_ERROR.test(text))
  return gitError ?? (exitCode === null ? 'the connection closed before git finished' : `git exited ${exitCode}`)
}

/**
 * Classify a finished push. `exitCode` is git's; null when the connection closed without one. Local
 * markers (git's own lines) are only matched on local lines and Dokku's only on remote lines, so an app
 * whose build prints "Everything up-to-date" cannot pass for an unchanged branch.
 */
export function classifyPush(lines: readonly PushLine[], exitCode: number | null): PushClassification {
  const remoteLines = lines.filter((line) => line.remote).map((line) => line.text)
  const localLines = lines.filter((line) => !line.remote).map((line) => line.text)
  const failedChecks = failedChecksIn(remoteLines)

  if (exitCode === 0) {
    if (localLines.some((text) => UP_TO_DATE.test(text))) {
      return {outcome: 'up-to-date', failedChecks, detail: 'Everything up-to-date: the deploy branch already points at this revision'}
    }
    const wrongBranch = remoteLines.find((text) => WRONG_BRANCH.test(text))
    if (wrongBranch !== undefined) {
      return {outcome: 'not-deployed-wrong-branch', failedChecks, detail: wrongBranch.replace(/^-----> /, '')}
    }
    const refUpdate = localLines.find((text) => REF_UPDATE.test(text))
    return {outcome: 'deployed', failedChecks, detail: refUpdate?.trim() ?? 'pushed and deployed'}
  }

  const found = causeIn(remoteLines)
  const rejected = localLines.find((text) => REMOTE_REJECTED.test(text))
  const outcome: PushOutcome = rejected === undefined ? 'failed' : 'rejected'
  if (found !== undefined) return {outcome, cause: found.cause, failedChecks, detail: describeFailure(found, remoteLines)}

  return {outcome, cause: 'unknown', failedChecks, detail: unknownFailureDetail(remoteLines, localLines, exitCode)}
}
