import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {type HostPaths, appDir} from '../../host/paths.js'
import {computedProperty, getProperty} from './properties.js'
import {currentSession, runChild} from '../session.js'

/** fn-git-create-hook (git init is short and local, so it runs synchronously): the app directory is a bare repo whose pre-receive hook hands refs to `dokku git-hook`. */
export function createBareRepo(paths: HostPaths, app: string): void {
  const repo = appDir(paths, app)
  if (!fs.existsSync(path.join(repo, 'refs'))) {
    const init = spawnSync('git', ['-c', 'init.defaultBranch=master', 'init', '-q', '--bare', repo], {encoding: 'utf8'})
    if (init.status !== 0) throw new Error(`simulator: git init --bare ${repo} failed: ${init.stderr}`)
  }
  const hook = path.join(repo, 'hooks', 'pre-receive')
  fs.mkdirSync(path.dirname(hook), {recursive: true})
  fs.writeFileSync(
    hook,
    `#!/usr/bin/env bash\nset -e\nset -o pipefail\n\ncat | DOKKU_ROOT="${paths.dokkuRoot}" ${path.join(paths.binDir, 'dokku')} git-hook "${app}"\n`,
    {mode: 0o755},
  )
}

/** fn-git-computed-deploy-branch: app property, else global, else `master` (or the given fallback). */
export function computedDeployBranch(paths: HostPaths, app: string, fallback = 'master'): string {
  return computedProperty(paths, 'git', app, 'deploy-branch', fallback)
}

export function revEnvVar(paths: HostPaths, app: string): string {
  const configured = getProperty(paths, 'git', app, 'rev-env-var')
  return configured === undefined ? 'GIT_REV' : configured
}

/** The sha a ref of the app's bare repo points at, or undefined. */
export function refSha(paths: HostPaths, app: string, ref: string): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {cwd: appDir(paths, app), encoding: 'utf8', env: currentSession().env})
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** `git archive <rev>` of the app's repo unpacked into `dest`; works inside a pre-receive hook's quarantine. */
export async function checkoutTree(paths: HostPaths, app: string, rev: string, dest: string): Promise<void> {
  fs.mkdirSync(dest, {recursive: true})
  const result = await runChild('bash', ['-c', 'set -o pipefail; git archive --format=tar "$1" | tar -x -C "$2"', 'archive', rev, dest], {
    cwd: appDir(paths, app),
  })
  if (result.code !== 0) throw new Error(`simulator: cannot check out ${rev} of ${app}: ${result.stderr.trim()}`)
}
