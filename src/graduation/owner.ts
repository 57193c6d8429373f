import os from 'node:os'

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
  return job ? `${who} (${job})` : who
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
