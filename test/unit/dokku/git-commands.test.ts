import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {cacheRef, commitSubject, fetchDeployBranch, fileAtRevision, hasCommit, initCacheRepo, pushRevision, type GitCommand} from '../../../src/dokku/commands/git.js'
import {PreflightError} from '../../../src/errors.js'

/*
 * The builders' arguments run against real git repositories standing in for the source and target apps:
 * local paths replace `dokku@host:app`, which the transport would route over SSH.
 */

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'graduate test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'graduate test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

function git(args: readonly string[], cwd?: string): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync('git', args, {cwd, env: GIT_ENV, encoding: 'utf8'})
  return {status: result.status, stdout: result.stdout.trim(), stderr: result.stderr}
}

function runGit(command: GitCommand, cwd?: string): {status: number | null; stdout: string; stderr: string} {
  return git(command.args, cwd)
}

let root: string
let work: string
let source: string
let target: string
let cache: string

function commit(message: string): string {
  expect(git(['commit', '--allow-empty', '-q', '-m', message], work).status).toBe(0)
  return git(['rev-parse', 'HEAD'], work).stdout
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'graduate-git-'))
  work = join(root, 'work')
  source = join(root, 'source.git')
  target = join(root, 'target.git')
  cache = join(root, 'cache.git')
  expect(git(['init', '-q', '-b', 'main', work]).status).toBe(0)
  expect(git(['init', '-q', '--bare', source]).status).toBe(0)
  expect(git(['init', '-q', '--bare', target]).status).toBe(0)
})

afterEach(() => {
  rmSync(root, {recursive: true, force: true})
})

describe('moving a revision from the source app to the target app', () => {
  it('fetches the deploy branch so a deployed ancestor exists locally, then pushes exactly that sha', () => {
    const deployed = commit('deployed')
    const tip = commit('pushed after, not deployed')
    expect(git(['push', '-q', source, 'main'], work).status).toBe(0)

    expect(runGit(initCacheRepo(cache)).status).toBe(0)
    const fetched = runGit(fetchDeployBranch({repo: cache, remote: source, branch: 'main', ref: cacheRef('api')}))
    expect(fetched.status).toBe(0)
    expect(git(['--git-dir', cache, 'rev-parse', 'refs/graduate/api']).stdout).toBe(tip)
    expect(runGit(hasCommit({repo: cache, sha: deployed})).status).toBe(0)

    const pushed = runGit(pushRevision({repo: cache, remote: target, sha: deployed, branch: 'production'}))
    expect(pushed.status).toBe(0)
    expect(git(['--git-dir', target, 'rev-parse', 'refs/heads/production']).stdout).toBe(deployed)
  })

  it('replaces a diverged target branch and a moved source branch (the + in both refspecs)', () => {
    const first = commit('first')
    expect(git(['push', '-q', target, 'main'], work).status).toBe(0)
    expect(git(['reset', '-q', '--hard', first], work).status).toBe(0)
    const other = commit('rewritten history')
    expect(git(['push', '-q', '-f', source, 'main'], work).status).toBe(0)

    expect(runGit(initCacheRepo(cache)).status).toBe(0)
    expect(runGit(fetchDeployBranch({repo: cache, remote: source, branch: 'main', ref: cacheRef('api')})).status).toBe(0)
    expect(runGit(pushRevision({repo: cache, remote: target, sha: other, branch: 'main'})).status).toBe(0)
    expect(git(['--git-dir', target, 'rev-parse', 'refs/heads/main']).stdout).toBe(other)
  })

  it('tells when the cache lacks a commit', () => {
    commit('only commit')
    expect(git(['push', '-q', source, 'main'], work).status).toBe(0)
    expect(runGit(initCacheRepo(cache)).status).toBe(0)

    expect(runGit(hasCommit({repo: cache, sha: '0'.repeat(40)})).status).not.toBe(0)
  })

  it('never falls back to a repository in a parent directory when the cache is missing', () => {
    const outer = join(root, 'outer')
    expect(git(['init', '-q', '-b', 'main', outer]).status).toBe(0)
    mkdirSync(join(outer, 'sub'))
    commit('c')
    expect(git(['push', '-q', source, 'main'], work).status).toBe(0)

    const fetched = runGit(fetchDeployBranch({repo: join(outer, 'sub', 'cache.git'), remote: source, branch: 'main', ref: cacheRef('api')}), outer)
    expect(fetched.status).not.toBe(0)
    expect(git(['for-each-ref', 'refs/graduate'], outer).stdout).toBe('')
  })

  it('keeps apps with awkward names apart in the cache', () => {
    expect(cacheRef('api')).toBe('refs/graduate/api')
    expect(cacheRef('api.v2')).toBe('refs/graduate/api%2Ev2')
    expect(cacheRef('a..b.lock')).toBe('refs/graduate/a%2E%2Eb%2Elock')
    expect(git(['check-ref-format', cacheRef('a..b.lock')]).status).toBe(0)
    expect(cacheRef('a.b')).not.toBe(cacheRef('a_b'))
  })
})

describe('reading a cached revision for the plan', () => {
  it("gives a commit's subject and the files of that commit, not of the branch tip", () => {
    writeFileSync(join(work, 'Procfile'), 'web: node server.js\nrelease: npm run migrate\n')
    expect(git(['add', 'Procfile'], work).status).toBe(0)
    const withRelease = commit('Add a release task\n\nThe body is not the subject.')
    expect(git(['rm', '-q', 'Procfile'], work).status).toBe(0)
    const without = commit('Drop the Procfile')
    expect(git(['push', '-q', source, 'main'], work).status).toBe(0)
    expect(runGit(initCacheRepo(cache)).status).toBe(0)
    expect(runGit(fetchDeployBranch({repo: cache, remote: source, branch: 'main', ref: cacheRef('api')})).status).toBe(0)

    expect(runGit(commitSubject({repo: cache, sha: withRelease})).stdout).toBe('Add a release task')
    expect(runGit(fileAtRevision({repo: cache, sha: withRelease, path: 'Procfile'})).stdout).toContain('release: npm run migrate')
    expect(runGit(fileAtRevision({repo: cache, sha: without, path: 'Procfile'})).status).not.toBe(0)
  })

  it('refuses a path git would read as an option or a revision', () => {
    const sha = 'a'.repeat(40)
    expect(() => fileAtRevision({repo: cache, sha, path: '--output=x'})).toThrow(RangeError)
    expect(() => fileAtRevision({repo: cache, sha, path: 'a:b'})).toThrow(RangeError)
    expect(() => commitSubject({repo: cache, sha: 'HEAD'})).toThrow(RangeError)
  })
})

describe('argument checks', () => {
  it('renders the push exactly as contract §6.8 describes', () => {
    const sha = 'a'.repeat(40)
    expect(pushRevision({repo: '/c', remote: 'dokku@prod:api', sha, branch: 'main'}).args).toEqual([
      '--git-dir=/c',
      'push',
      '--no-verify',
      'dokku@prod:api',
      `+${sha}:refs/heads/main`,
    ])
  })

  it('refuses a deploy branch git would not accept, naming the fix', () => {
    for (const branch of ['', 'a:b', 'a..b', '-x', 'x.lock', 'has space', 'x/', '.hidden']) {
      expect(() => pushRevision({repo: '/c', remote: 'dokku@prod:api', sha: 'a'.repeat(40), branch})).toThrow(PreflightError)
    }
    expect(() => fetchDeployBranch({repo: '/c', remote: 'dokku@dev:api', branch: 'a:b', ref: 'refs/graduate/api'})).toThrow(
      expect.objectContaining({
        message: 'Dokku reports the deploy branch "a:b", which is not a valid git branch name',
        hint: expect.stringContaining('dokku git:set <app> deploy-branch'),
      }),
    )
  })

  it('refuses abbreviated shas and remotes git would read as options', () => {
    expect(() => pushRevision({repo: '/c', remote: 'dokku@prod:api', sha: '20690cd', branch: 'main'})).toThrow(/full lowercase git sha/)
    expect(() => pushRevision({repo: '/c', remote: '--upload-pack=x', sha: 'a'.repeat(40), branch: 'main'})).toThrow(/not a git remote/)
  })
})
