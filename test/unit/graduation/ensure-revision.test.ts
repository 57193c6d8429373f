import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {PreflightError} from '../../../src/errors.js'
import {type RevisionOrigin, ensureRevision} from '../../../src/graduation/transfer.js'
import type {HostConnection} from '../../../src/ssh/transport.js'

/*
 * Where a revision is fetched from: local bare repositories stand in for the apps, and a connection
 * whose git() runs git here stands in for the SSH bridge.
 */
const GIT_ENV = {...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_GLOBAL: '/dev/null'}
let root: string

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {cwd, env: GIT_ENV, encoding: 'utf8'}).trim()
}

/** A bare repository whose `main` holds commits with these messages; returns it and their shas. */
function repository(name: string, messages: string[]): {repo: string; shas: string[]} {
  const work = path.join(root, `${name}-work`)
  git(['init', '-q', '-b', 'main', work])
  const shas = messages.map((message) => {
    git(['commit', '-q', '--allow-empty', '-m', message], work)
    return git(['rev-parse', 'HEAD'], work)
  })
  const repo = path.join(root, `${name}.git`)
  git(['clone', '-q', '--bare', work, repo])
  return {repo, shas}
}

const localConnection: HostConnection = {
  label: 'local',
  git: (args, options) =>
    new Promise((resolve) => {
      const child = spawn('git', args, {cwd: options.cwd, env: GIT_ENV})
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('close', (code) => resolve({exitCode: code ?? 1, signal: null, stdout: '', stderr, durationMs: 0}))
    }),
} as HostConnection

function origin(repo: string, opened: string[], exists = true): RevisionOrigin {
  return {remote: repo, key: path.basename(repo), open: async () => (opened.push(repo), exists ? {connection: localConnection, branch: 'main'} : undefined)}
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-ensure-'))
})

afterEach(() => {
  fs.rmSync(root, {recursive: true, force: true})
})

describe('making a revision present in the cache', () => {
  it('fetches from the first origin that has it, skipping one whose app does not exist', async () => {
    const unrelated = repository('unrelated', ['other history'])
    const wanted = repository('wanted', ['v1', 'v2'])
    const missing = path.join(root, 'missing.git')
    const opened: string[] = []
    const cache = path.join(root, 'cache.git')
    await ensureRevision({repo: cache, sha: wanted.shas[0]!, origins: [origin(missing, opened, false), origin(unrelated.repo, opened), origin(wanted.repo, opened)], timeoutMs: 30_000})
    expect(opened).toEqual([missing, unrelated.repo, wanted.repo])
    expect(git(['--git-dir', cache, 'cat-file', '-t', wanted.shas[0]!])).toBe('commit')
    expect(fs.existsSync(missing)).toBe(false)
  })

  it('opens no origin when the cache holds the revision already', async () => {
    const wanted = repository('wanted', ['v1'])
    const cache = path.join(root, 'cache.git')
    await ensureRevision({repo: cache, sha: wanted.shas[0]!, origins: [origin(wanted.repo, [])], timeoutMs: 30_000})
    const opened: string[] = []
    await ensureRevision({repo: cache, sha: wanted.shas[0]!, origins: [origin(wanted.repo, opened)], timeoutMs: 30_000})
    expect(opened).toEqual([])
  })

  it('names every branch it searched when none has the revision', async () => {
    const unrelated = repository('unrelated', ['other history'])
    const sha = 'a'.repeat(40)
    const attempt = ensureRevision({repo: path.join(root, 'cache.git'), sha, origins: [origin(unrelated.repo, [])], timeoutMs: 30_000})
    await expect(attempt).rejects.toThrow(PreflightError)
    await expect(attempt).rejects.toThrow(`the revision aaaaaaaaaaaa is not on the deploy branch of ${unrelated.repo} (main)`)
  })
})
