import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {execFile} from 'node:child_process'
import {type HostPaths, appDir} from './paths.js'
import {cleanEnv} from './provision.js'
import {SEEDING_ENV} from '../core/deploy/app-tree.js'
import {publishTree} from '../core/store/registry.js'

/** One commit of an app's history: its whole file tree (`.sim.json` included) and a message. */
export interface RevisionSpec {
  files: Record<string, string>
  message?: string
}

export interface AppSeed {
  name: string
  /** The app's history, oldest first. */
  revisions: RevisionSpec[]
  /** Which revision is deployed (1-based); 0 creates the app without deploying. Default: the last. */
  deploy?: number
  /** Dokku's deploy branch for the app (default `main`). */
  branch?: string
  config?: Record<string, string>
  proxyType?: string
  checksDisabled?: string[]
  checksSkipped?: string[]
  /** Deploy by `git:from-image` of this reference, the deployed revision published there first. */
  image?: string
  /** Deploy by `git:sync --build` from the upstream repository holding the history. */
  sync?: boolean
  registry?: {pushOnRelease?: boolean; server?: string; imageRepo?: string}
}

/**
 * Commits revisions in a scratch repository with a fixed author and fixed dates, so the same
 * revisions give the same shas wherever they are committed. Returns the shas, oldest first.
 */
export async function commitRevisions(workDir: string, revisions: RevisionSpec[]): Promise<string[]> {
  fs.mkdirSync(workDir, {recursive: true})
  await run('git', ['-c', 'init.defaultBranch=main', 'init', '-q'], {cwd: workDir})
  const shas: string[] = []
  for (const [index, revision] of revisions.entries()) {
    for (const entry of fs.readdirSync(workDir)) if (entry !== '.git') fs.rmSync(path.join(workDir, entry), {recursive: true, force: true})
    for (const [file, content] of Object.entries(revision.files)) {
      const target = path.join(workDir, file)
      fs.mkdirSync(path.dirname(target), {recursive: true})
      fs.writeFileSync(target, content, {mode: /(^|\/)bin\/|\.sh$/.test(file) ? 0o755 : 0o644})
    }
    await run('git', ['add', '-A'], {cwd: workDir})
    const date = new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString()
    await run('git', ['commit', '-q', '--allow-empty', '-m', revision.message ?? `revision ${index + 1}`], {
      cwd: workDir,
      env: {
        GIT_AUTHOR_NAME: 'Simulated Developer',
        GIT_AUTHOR_EMAIL: 'dev@example.test',
        GIT_COMMITTER_NAME: 'Simulated Developer',
        GIT_COMMITTER_EMAIL: 'dev@example.test',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    })
    shas.push((await run('git', ['rev-parse', 'HEAD'], {cwd: workDir})).trim())
  }
  return shas
}

/**
 * Creates and configures the app through the host's own `dokku`, commits its revisions, and deploys
 * the chosen one the way the seed says — pushed into the app's bare repo (so the pre-receive hook
 * runs the same pipeline a real push does), synced with `git:sync --build`, or published to the
 * registry and deployed with `git:from-image`. Returns the revisions' shas.
 */
export async function seedApp(paths: HostPaths, seed: AppSeed): Promise<string[]> {
  if (seed.image !== undefined && seed.sync) throw new Error(`simulator: app ${seed.name} is deployed by image or by git:sync, not both`)
  // A seed sets the scene; the revision's build and check durations are for the deploys under test.
  const dokku = (...args: string[]) => run(path.join(paths.binDir, 'dokku'), args, {env: {SIM_SSH_LOGIN: 'dokku', [SEEDING_ENV]: '1'}})
  await dokku('apps:create', seed.name)
  await dokku('git:set', seed.name, 'deploy-branch', seed.branch ?? 'main')
  if (seed.config && Object.keys(seed.config).length > 0) {
    await dokku('config:set', '--no-restart', seed.name, ...Object.entries(seed.config).map(([key, value]) => `${key}=${value}`))
  }
  if (seed.proxyType) await dokku('proxy:set', seed.name, seed.proxyType)
  if (seed.checksDisabled?.length) await dokku('checks:disable', seed.name, seed.checksDisabled.join(','))
  if (seed.checksSkipped?.length) await dokku('checks:skip', seed.name, seed.checksSkipped.join(','))
  if (seed.registry?.server) await dokku('registry:set', seed.name, 'server', seed.registry.server)
  if (seed.registry?.imageRepo) await dokku('registry:set', seed.name, 'image-repo', seed.registry.imageRepo)
  if (seed.registry?.pushOnRelease !== undefined) await dokku('registry:set', seed.name, 'push-on-release', String(seed.registry.pushOnRelease))

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `sim-seed-${seed.name}-`))
  try {
    const shas = await commitRevisions(workDir, seed.revisions)
    const deploy = seed.deploy ?? seed.revisions.length
    if (deploy > 0) {
      const sha = shas[deploy - 1]
      if (!sha) throw new Error(`simulator: app ${seed.name} has no revision ${deploy}`)
      if (seed.image !== undefined) {
        await publishRevision(paths.registryDir, workDir, sha, {reference: seed.image, app: seed.name})
        await dokku('git:from-image', seed.name, seed.image)
      } else if (seed.sync) {
        const upstream = upstreamRepo(paths, seed.name)
        await run('git', ['init', '-q', '--bare', upstream])
        await run('git', ['push', '-q', upstream, `${shas.at(-1)!}:refs/heads/${seed.branch ?? 'main'}`], {cwd: workDir})
        await dokku('git:sync', '--build', seed.name, `file://${upstream}`, sha)
      } else {
        await run('git', ['push', '-q', appDir(paths, seed.name), `${sha}:refs/heads/${seed.branch ?? 'main'}`], {cwd: workDir, env: {[SEEDING_ENV]: '1'}})
      }
    }
    return shas
  } finally {
    fs.rmSync(workDir, {recursive: true, force: true})
  }
}

/** The repository a `sync` app's history lives in, which it is synced from. */
export function upstreamRepo(paths: HostPaths, app: string): string {
  return path.join(paths.simDir, 'upstream', `${app}.git`)
}

/** Publishes the tree of commit `sha` of the repository in `workDir` to the registry as `reference`. */
export async function publishRevision(registryDir: string, workDir: string, sha: string, details: {reference: string; app: string}): Promise<string> {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-image-'))
  try {
    await run('bash', ['-c', 'set -o pipefail; git archive --format=tar "$1" | tar -x -C "$2"', 'archive', sha, tree], {cwd: workDir})
    return publishTree(registryDir, {reference: details.reference, rev: sha, app: details.app, tree})
  } finally {
    fs.rmSync(tree, {recursive: true, force: true})
  }
}

function run(command: string, args: string[], options: {cwd?: string; env?: Record<string, string>} = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, {cwd: options.cwd, env: {...cleanEnv(), ...options.env}, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) reject(new Error(`simulator: ${path.basename(command)} ${args.join(' ')} failed:\n${stdout}${stderr}`))
      else resolve(stdout)
    })
  })
}
