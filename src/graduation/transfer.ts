import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {cacheRef, commitSubject, fetchDeployBranch, fileAtRevision, hasCommit, initCacheRepo, pushRevision} from '../dokku/commands/git.js'
import {type PushLine, PushLineSplitter} from '../dokku/parse/push-lines.js'
import {type PushClassification, classifyPush} from '../dokku/parse/push-outcome.js'
import {ExitCode} from '../exit-codes.js'
import {GraduateError, PreflightError} from '../errors.js'
import {runLocalGit} from '../ssh/local-git.js'
import type {HostConnection} from '../ssh/transport.js'
import {gitFromImage} from '../dokku/commands/core.js'
import type {DokkuHost} from '../remote/dokku-host.js'

/*
 * Moving a revision from the source app to the target app (contract §6.7–6.8): fetch the source's
 * deploy branch into a local cache repository over the source host's connection (unless the cache
 * holds the sha already), check the exact sha arrived, then push `+<sha>:refs/heads/<deploy-branch>` to the target over the target's
 * connection. Both git runs go through graduate's own SSH connections (the transport's bridge).
 */

const cacheRepos = new Map<string, Promise<void>>()

/** The cache repository of one manifest: graduations of the same apps share their objects. */
export function cacheRepoFor(cacheDir: string, manifestPath: string): string {
  return path.join(cacheDir, 'git', `${crypto.createHash('sha1').update(manifestPath).digest('hex').slice(0, 12)}.git`)
}

/** Creates the bare cache repository once, however many transfers ask for it at the same time. */
export function ensureCacheRepo(repo: string): Promise<void> {
  let ready = cacheRepos.get(repo)
  if (!ready) {
    ready = fs.existsSync(`${repo}/HEAD`)
      ? Promise.resolve()
      : (async () => {
          fs.mkdirSync(repo, {recursive: true})
          await localGit(initCacheRepo(repo).args)
        })()
    cacheRepos.set(repo, ready)
    ready.catch(() => cacheRepos.delete(repo))
  }
  return ready
}

/** A repository that may hold a revision: an app's deploy branch, reached over a host's connection. */
export interface RevisionOrigin {
  /** The git remote as the transport takes it, e.g. `dokku@host:api`. */
  remote: string
  /** A key unique among the run's origins, naming the cache ref (the manifest app name, say). */
  key: string
  /**
   * Connects (or reuses the connection) and names the branch to fetch — only when the cache lacks the
   * revision. Undefined when the origin cannot be used (its app does not exist: fetching would create it).
   */
  open: () => Promise<{connection: HostConnection; branch: string} | undefined>
}

/**
 * Makes commit `sha` present in the cache: nothing to do when it is there already, otherwise each
 * origin's deploy branch is fetched in turn until it arrives. A source's deployed sha is its branch tip
 * or an ancestor (a rejected push leaves the ref alone); a target's previous release is usually an
 * ancestor of what it runs now.
 */
export async function ensureRevision(options: {repo: string; sha: string; origins: RevisionOrigin[]; timeoutMs: number; signal?: AbortSignal}): Promise<void> {
  await ensureCacheRepo(options.repo)
  if (await cacheHas(options.repo, options.sha)) return
  const failures: string[] = []
  let searched = ''
  for (const origin of options.origins) {
    let opened: Awaited<ReturnType<RevisionOrigin['open']>>
    try {
      opened = await origin.open()
    } catch (error) {
      failures.push(`${origin.remote}: ${error instanceof Error ? error.message : String(error)}`)
      continue
    }
    if (!opened) continue
    const {connection, branch} = opened
    const fetch = fetchDeployBranch({repo: options.repo, remote: origin.remote, branch, ref: cacheRef(origin.key)})
    const result = await connection.git([...fetch.args], {
      cwd: options.repo,
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : {signal: options.signal}),
    })
    if (result.exitCode !== 0) {
      failures.push(`${connection.label}: fetching ${origin.remote} failed: ${lastLine(result.stderr)}`)
      continue
    }
    if (await cacheHas(options.repo, options.sha)) return
    searched = searched === '' ? `${origin.remote} (${branch})` : `${searched}, ${origin.remote} (${branch})`
  }
  if (searched === '' && failures.length > 0) {
    throw new GraduateError(failures.join('; '), {exitCode: ExitCode.Aborted, code: 'fetch_failed', hint: 'check that the app is reachable with git; nothing was deployed'})
  }
  throw new PreflightError(
    `the revision ${options.sha.slice(0, 12)} is not on the deploy branch of ${searched || 'any app graduate could fetch from'}${failures.length > 0 ? `; ${failures.join('; ')}` : ''}`,
    'the branch was moved after that deploy (git:sync without a build, a force push?); redeploy the app, then try again',
  )
}

function cacheHas(repo: string, sha: string): Promise<boolean> {
  return cacheGit(hasCommit({repo, sha}).args).then(({code}) => code === 0)
}

/** The subject of a cached commit, or undefined when the cache lacks it. */
export async function cachedSubject(repo: string, sha: string): Promise<string | undefined> {
  const result = await cacheGit(commitSubject({repo, sha}).args)
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** A file of a cached commit, or undefined when the commit has no such file. */
export async function cachedFile(repo: string, sha: string, file: string): Promise<string | undefined> {
  const result = await cacheGit(fileAtRevision({repo, sha, path: file}).args)
  return result.code === 0 ? result.stdout : undefined
}

export interface PushResult {
  exitCode: number | null
  lines: PushLine[]
  classification: PushClassification
  /** Epoch ms when the stream showed nginx serving the new release (the early proxy rebuild finished). */
  liveAt: number | null
  /** The push could not run or was cut off locally (timeout, abort). */
  error?: Error
}

/**
 * Pushes the revision and streams Dokku's output as clean lines. Resolves (never rejects) when git
 * exits, with what the output says happened.
 */
export async function pushRevisionTo(options: {
  connection: HostConnection
  repo: string
  remote: string
  sha: string
  branch: string
  timeoutMs: number
  signal?: AbortSignal
  onLine: (line: PushLine) => void
}): Promise<PushResult> {
  const splitter = new PushLineSplitter()
  const lines: PushLine[] = []
  const switchWatch = new ProxySwitchWatch()
  const take = (batch: PushLine[]) => {
    for (const line of batch) {
      lines.push(line)
      switchWatch.see(line.text)
      options.onLine(line)
    }
  }
  const push = pushRevision({repo: options.repo, remote: options.remote, sha: options.sha, branch: options.branch})
  try {
    const result = await options.connection.git([...push.args], {
      cwd: options.repo,
      timeoutMs: options.timeoutMs,
      ...(options.signal === undefined ? {} : {signal: options.signal}),
      onStderr: (chunk) => take(splitter.write(chunk)),
    })
    take(splitter.end())
    return {exitCode: result.exitCode, lines, classification: classifyPush(lines, result.exitCode), liveAt: switchWatch.liveAt}
  } catch (error) {
    take(splitter.end())
    return {exitCode: null, lines, classification: classifyPush(lines, null), liveAt: switchWatch.liveAt, error: error instanceof Error ? error : new Error(String(error))}
  }
}

/**
 * Deploys `image` to the target app with `git:from-image` and streams Dokku's output as clean lines,
 * the way a push's are. Resolves (never rejects) when the command ends, with what the output says
 * happened: the same result a push gives, so holds, decisions and verification treat both alike.
 */
export async function deployImageTo(options: {host: DokkuHost; app: string; image: string; timeoutMs: number; onLine: (line: PushLine) => void}): Promise<PushResult> {
  // Dokku writes to both streams; each is split on its own, so a line of one never cuts into the other's.
  const stdout = new PushLineSplitter()
  const stderr = new PushLineSplitter()
  const lines: PushLine[] = []
  const switchWatch = new ProxySwitchWatch()
  // Every line comes from the host: mark them so, as git's `remote: ` prefix does for a push.
  const take = (batch: PushLine[]) => {
    for (const line of batch) {
      const remote = {text: line.text, remote: true}
      lines.push(remote)
      switchWatch.see(remote.text)
      options.onLine(remote)
    }
  }
  try {
    const result = await options.host.send(gitFromImage(options.app, options.image), {
      timeoutMs: options.timeoutMs,
      onStdout: (chunk) => take(stdout.write(chunk)),
      onStderr: (chunk) => take(stderr.write(chunk)),
    })
    take([...stdout.end(), ...stderr.end()])
    return {exitCode: result.exitCode, lines, classification: classifyPush(lines, result.exitCode), liveAt: switchWatch.liveAt}
  } catch (error) {
    take([...stdout.end(), ...stderr.end()])
    return {exitCode: null, lines, classification: classifyPush(lines, null), liveAt: switchWatch.liveAt, error: error instanceof Error ? error : new Error(String(error))}
  }
}

/**
 * Dokku switches web traffic when the early proxy rebuild's nginx reload finishes (contract §1.1
 * 7.5): after "Triggering early nginx proxy rebuild" and "Reloading nginx", the next line marks it
 * (nginx's own "signal process started", or whatever Dokku prints next).
 */
class ProxySwitchWatch {
  liveAt: number | null = null
  private stage: 'before' | 'rebuilding' | 'reloading' | 'done' = 'before'

  see(text: string): void {
    if (this.stage === 'before' && text.includes('Triggering early nginx proxy rebuild')) this.stage = 'rebuilding'
    else if (this.stage === 'rebuilding' && text.trim() === 'Reloading nginx') this.stage = 'reloading'
    else if (this.stage === 'reloading' && text.trim() !== '') {
      this.liveAt = Date.now()
      this.stage = 'done'
    }
  }
}

/** A cache command is local and short; past this, something is stuck (a hung disk, a lock). */
const CACHE_GIT_TIMEOUT_MS = 120_000
const CACHE_GIT_HINT = 'check that git is installed and the cache directory is writable'

/**
 * Local git on the cache repository, through the one local-git runner (its own process group, a
 * deadline): the exit code and what it printed. Rejects when git cannot run, is killed or times out.
 */
async function cacheGit(args: readonly string[]): Promise<{code: number; stdout: string}> {
  const command = `local git ${args.join(' ')}`
  const result = await runLocalGit([...args], {
    cwd: process.cwd(),
    timeoutMs: CACHE_GIT_TIMEOUT_MS,
    env: {},
    timeoutError: () => new PreflightError(`${command} did not finish within ${CACHE_GIT_TIMEOUT_MS / 1000} s`, CACHE_GIT_HINT),
  })
  if (result.exitCode === null) throw new PreflightError(`${command} was killed by ${result.signal ?? 'a signal'}`, CACHE_GIT_HINT)
  return {code: result.exitCode, stdout: result.stdout}
}

/** A cache command that must succeed. */
async function localGit(args: readonly string[]): Promise<void> {
  const {code} = await cacheGit(args)
  if (code !== 0) throw new PreflightError(`local git ${args.join(' ')} failed with exit code ${code}`, CACHE_GIT_HINT)
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output'
}
