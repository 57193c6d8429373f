import fs from 'node:fs'
import {currentSession, runChild} from '../session.js'
import path from 'node:path'
import {appDir} from '../../host/paths.js'
import type {CoreContext} from '../context.js'
import {CommandExit, fail} from '../io.js'
import {randomHex} from '../store/files.js'
import {computedDeployBranch, createBareRepo} from '../store/git-repo.js'
import {setProperty} from '../store/properties.js'

/*
 * How Dokku moves code into an app's bare repository without a push (plugins/git/internal-functions:
 * fn-git-clone, fn-git-fetch), with the same real git commands in the same order — so git's own
 * behaviour decides the outcome as it does on a host, including what follows from the bare repo's
 * HEAD naming the init default branch (`master`) when the deploy branch is another (observed §8).
 * Commands Dokku runs under `set -e` end the whole command with git's exit code ({@link CommandExit}).
 */

export interface GitResult {
  code: number
  stdout: string
  stderr: string
}

/** fn-git-cmd: git run in `dir`, awaited (a fetch or clone can take long); never throws. */
export async function gitIn(ctx: CoreContext, dir: string, args: string[]): Promise<GitResult> {
  const result = await runChild('git', args, {cwd: dir, env: {...ctx.env, GIT_TERMINAL_PROMPT: '0'}})
  return {code: result.code ?? 128, stdout: result.stdout, stderr: result.stderr}
}

/** A git command under `set -e`: its failure ends the command with git's exit code, git's output shown. */
export async function mustGit(ctx: CoreContext, dir: string, args: string[], options: {showOutput?: boolean} = {}): Promise<string> {
  const result = await gitIn(ctx, dir, args)
  // suppress_output prints what the command said only when it failed; unsuppressed commands always do.
  if (options.showOutput || result.code !== 0) {
    if (result.stdout) ctx.out.passthrough(result.stdout)
    if (result.stderr) ctx.out.passthrough(result.stderr, true)
  }
  if (result.code !== 0) throw new CommandExit(result.code)
  return result.stdout
}

/** mktemp -d under the host's tmp. */
export function tempDir(ctx: CoreContext, label: string): string {
  fs.mkdirSync(ctx.paths.tmpDir, {recursive: true})
  return fs.mkdtempSync(path.join(ctx.paths.tmpDir, `dokku-${currentSession().pid}-${label}.${randomHex(3)}`))
}

/** Whether the deploy branch resolves in the app's repo (`git rev-parse <branch>`). */
export async function hasDeployBranch(ctx: CoreContext, app: string): Promise<boolean> {
  return (await gitIn(ctx, appDir(ctx.paths, app), ['rev-parse', computedDeployBranch(ctx.paths, app)])).code === 0
}

/**
 * fn-git-clone: a new app's repository from `remote` at `ref` (a branch, which then becomes the
 * deploy branch unless skipped, or any other ref, checked out onto the deploy branch).
 */
export async function cloneIntoApp(ctx: CoreContext, app: string, remote: string, ref: string | undefined, skipDeployBranch: boolean): Promise<void> {
  const appRoot = appDir(ctx.paths, app)
  if (await hasDeployBranch(ctx, app)) fail('The clone subcommand can only be executed for new applications')
  const gitRef = ref || computedDeployBranch(ctx.paths, app)

  const probe = tempDir(ctx, 'fn-git-clone-ref')
  const isRef = (await gitIn(ctx, ctx.paths.tmpDir, ['clone', '--depth', '1', '-n', '--branch', gitRef, remote, probe])).code !== 0
  fs.rmSync(probe, {recursive: true, force: true})

  const cloneDir = tempDir(ctx, 'fn-git-clone')
  try {
    if (isRef) {
      await mustGit(ctx, ctx.paths.tmpDir, ['clone', '-n', remote, cloneDir])
      await mustGit(ctx, cloneDir, ['checkout', '-qq', gitRef])
    } else {
      await mustGit(ctx, ctx.paths.tmpDir, ['clone', '-n', '--branch', gitRef, remote, cloneDir])
      if ((await gitIn(ctx, cloneDir, ['show-ref', '--verify', `refs/heads/${gitRef}`])).code === 0) {
        if (skipDeployBranch) {
          ctx.out.verbose(`Detected branch ${gitRef}, skipping deploy-branch setting`)
        } else {
          ctx.out.verbose(`Detected branch, setting deploy-branch to ${gitRef}`)
          setProperty(ctx.paths, 'git', app, 'deploy-branch', gitRef)
        }
      }
    }
    const deployBranch = computedDeployBranch(ctx.paths, app)
    if (gitRef !== deployBranch) {
      if (isRef) await gitIn(ctx, cloneDir, ['branch', '-qq', '-D', deployBranch])
      await mustGit(ctx, cloneDir, ['checkout', '-qq', '-b', deployBranch])
    }
    // rsync -a "$TMP_CLONE_DIR/.git/" "$APP_ROOT": the clone's HEAD, config and refs land in the bare repo.
    fs.cpSync(path.join(cloneDir, '.git'), appRoot, {recursive: true, force: true, preserveTimestamps: true})
    createBareRepo(ctx.paths, app)
    await mustGit(ctx, appRoot, ['config', '--add', 'core.bare', 'true'])
  } finally {
    fs.rmSync(cloneDir, {recursive: true, force: true})
  }
}

/**
 * fn-git-fetch: every ref of `remote` mirrored into the app's repository, then the deploy branch
 * moved to `ref` — or, with no ref, the remote's branch of the deploy branch's name fetched.
 */
export async function fetchIntoApp(ctx: CoreContext, app: string, remote: string, ref: string | undefined): Promise<void> {
  const appRoot = appDir(ctx.paths, app)
  if (!(await hasDeployBranch(ctx, app))) fail('The fetch subcommand can only be executed for existing applications')
  const deployBranch = computedDeployBranch(ctx.paths, app)
  if ((await gitIn(ctx, appRoot, ['check-ref-format', '--branch', deployBranch])).code !== 0) {
    ctx.out.warn(`Invalid branch name '${deployBranch}' specified via deploy-branch setting.`)
    ctx.out.warn("For more details, please see the man page for 'git-check-ref-format.'")
    return
  }
  await gitIn(ctx, appRoot, ['remote', 'rm', 'remote'])
  await mustGit(ctx, appRoot, ['remote', 'add', '--mirror=fetch', '--no-tags', 'remote', remote])
  if (ref) {
    await mustGit(ctx, appRoot, ['fetch', '--update-head-ok', 'remote'], {showOutput: true})
    await mustGit(ctx, appRoot, ['update-ref', `refs/heads/${deployBranch}`, `${ref}^{commit}`], {showOutput: true})
  } else {
    await mustGit(ctx, appRoot, ['fetch', '--update-head-ok', 'remote', deployBranch], {showOutput: true})
  }
  await mustGit(ctx, appRoot, ['config', '--add', 'core.bare', 'true'])
}
