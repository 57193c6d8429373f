import fs from 'node:fs'
import {execFile} from 'node:child_process'
import {cacheRef, fetchDeployBranch, hasCommit, initCacheRepo, pushRevision} from '../dokku/commands/git.js'
import {type PushLine, PushLineSplitter} from '../dokku/parse/push-lines.js'
import {type PushClassification, classifyPush} from '../dokku/parse/push-outcome.js'
import {ExitCode} from '../exit-codes.js'
import {GraduateError, PreflightError} from '../errors.js'
import type {HostConnection} from '../ssh/transport.js'

/*
 * Moving a revision from the source app to the target app (contract §6.7–6.8): fetch the source's
 * deploy branch into a local cache repository over the source host's connection, check the exact
 * sha arrived, then push `+<sha>:refs/heads/<deploy-branch>` to the target over the target's
 * connection. Both git runs go through graduate's own SSH connections (the transport's bridge).
 */

const cacheRepos = new Map<string, Promise<void>>()

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

export async function fetchRevision(options: {
  connection: HostConnection
  repo: string
  remote: string
  branch: string
  /** A key unique among the graduation's apps (the manifest name). */
  key: string
  sha: string
  timeoutMs: number
  signal?: AbortSignal
}): Promise<void> {
  const fetch = fetchDeployBranch({repo: options.repo, remote: options.remote, branch: options.branch, ref: cacheRef(options.key)})
  const result = await options.connection.git([...fetch.args], {
    cwd: options.repo,
    timeoutMs: options.timeoutMs,
    ...(options.signal === undefined ? {} : {signal: options.signal}),
  })
  if (result.exitCode !== 0) {
    throw new GraduateError(`${options.connection.label}: fetching ${options.remote} failed: ${lastLine(result.stderr)}`, {
      exitCode: ExitCode.Aborted,
      code: 'fetch_failed',
      hint: 'check that the source app is reachable with git; nothing was deployed',
    })
  }
  if ((await localGit(hasCommit({repo: options.repo, sha: options.sha}).args, true)) !== 0) {
    throw new PreflightError(
      `${options.connection.label}: the source's deploy branch ${options.branch} does not contain the deployed revision ${options.sha.slice(0, 12)}`,
      'the branch was moved after the last deploy (git:sync without a build?); redeploy the source app, then graduate again',
    )
  }
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

function localGit(args: readonly string[], allowFailure = false): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], (error) => {
      if (!error) return resolve(0)
      if (allowFailure && typeof error.code === 'number') return resolve(error.code)
      reject(new PreflightError(`local git ${args.join(' ')} failed: ${error.message}`, 'check that git is installed and the cache directory is writable'))
    })
  })
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output'
}
