import {PreflightError} from '../../errors.js'

/*
 * Builders for the LOCAL git that moves a revision from the source app to the target app (contract
 * §6.7–6.8). The transport runs `git <args>` with its ssh routed over graduate's own connection, so a
 * remote here is just the string git is given, e.g. `dokku@host:app`.
 *
 * Every command names the cache repository with --git-dir: with -C, a missing cache directory would
 * make git search the parent directories and work on whatever repository it found there.
 */

/** The arguments after `git`. */
export interface GitCommand {
  readonly args: readonly string[]
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

function assertSha(sha: string): void {
  if (!FULL_SHA.test(sha)) throw new RangeError(`expected a full lowercase git sha, got ${JSON.stringify(sha)}`)
}

function assertRemote(remote: string): void {
  // git would read a leading dash as one of its own options.
  if (remote === '' || remote.startsWith('-')) throw new RangeError(`not a git remote: ${JSON.stringify(remote)}`)
}

/** The parts of git's check-ref-format rules a Dokku deploy branch could break. */
const BAD_BRANCH = /[\0-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|\/\.|[/.]$|\.lock(?:\/|$)/

function assertBranch(branch: string): void {
  if (branch === '' || branch === '@' || BAD_BRANCH.test(branch)) {
    throw new PreflightError(
      `Dokku reports the deploy branch ${JSON.stringify(branch)}, which is not a valid git branch name`,
      'set a valid one with `dokku git:set <app> deploy-branch <branch>`',
    )
  }
}

/** Create the bare cache repository (safe to repeat on an existing one). */
export function initCacheRepo(repo: string): GitCommand {
  return {args: ['init', '--bare', '--quiet', repo]}
}

/**
 * The cache ref that holds one source app's deploy branch. `key` is unique among the apps of a run (the
 * manifest's app name); characters outside [a-z0-9_-] are %-encoded, because app names may contain dots
 * and git refuses `..`, a trailing `.` and `.lock` in ref names.
 */
export function cacheRef(key: string): string {
  const component = key.replace(/[^a-z0-9_-]/g, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  )
  return `refs/graduate/${component}`
}

/**
 * Fetch the source app's deploy branch into `ref` of the cache. The deployed sha is the branch tip or
 * one of its ancestors (a rejected push leaves the ref alone), so afterwards it exists locally —
 * unless the branch was moved to unrelated history (e.g. `git:sync` without a build); check with
 * `hasCommit` before pushing. Never fetch from an app before `apps:exists`: a fetch creates a missing app.
 *
 * No FETCH_HEAD and no automatic maintenance, so several apps can be fetched into the cache at once.
 */
export function fetchDeployBranch(options: {repo: string; remote: string; branch: string; ref: string}): GitCommand {
  assertRemote(options.remote)
  assertBranch(options.branch)
  return {
    args: [
      `--git-dir=${options.repo}`,
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-auto-maintenance',
      options.remote,
      `+refs/heads/${options.branch}:${options.ref}`,
    ],
  }
}

/** Exit 0 when the cache holds commit `sha`, non-zero otherwise. */
export function hasCommit(options: {repo: string; sha: string}): GitCommand {
  assertSha(options.sha)
  return {args: [`--git-dir=${options.repo}`, 'cat-file', '-e', `${options.sha}^{commit}`]}
}

/**
 * Deploy `sha` to the target app by pointing its deploy branch at it (`+`: the target's history may
 * have diverged). A pre-push hook from the user's global git config must not run in the cache, hence
 * --no-verify. If the branch already points at `sha`, git pushes nothing and Dokku deploys nothing.
 */
export function pushRevision(options: {repo: string; remote: string; sha: string; branch: string}): GitCommand {
  assertSha(options.sha)
  assertRemote(options.remote)
  assertBranch(options.branch)
  return {args: [`--git-dir=${options.repo}`, 'push', '--no-verify', options.remote, `+${options.sha}:refs/heads/${options.branch}`]}
}

/** The first line of commit `sha`'s message, for the plan. */
export function commitSubject(options: {repo: string; sha: string}): GitCommand {
  assertSha(options.sha)
  return {args: [`--git-dir=${options.repo}`, 'log', '-1', '--no-show-signature', '--format=%s', options.sha]}
}

/** A file of commit `sha` (e.g. its Procfile), exit non-zero when the commit has no such file. */
export function fileAtRevision(options: {repo: string; sha: string; path: string}): GitCommand {
  assertSha(options.sha)
  if (options.path === '' || options.path.startsWith('-') || options.path.includes(':')) throw new RangeError(`not a repository path: ${JSON.stringify(options.path)}`)
  return {args: [`--git-dir=${options.repo}`, 'cat-file', 'blob', `${options.sha}:${options.path}`]}
}
