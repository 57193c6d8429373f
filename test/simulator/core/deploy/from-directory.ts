import fs from 'node:fs'
import path from 'node:path'
import {appDir} from '../../host/paths.js'
import type {CoreContext} from '../context.js'
import {computedDeployBranch} from '../store/git-repo.js'
import {cloneIntoApp, fetchIntoApp, gitIn, hasDeployBranch, mustGit, tempDir} from './git-fetch.js'
import {type Capture, receiveApp} from './release.js'

/**
 * The git plugin's git-from-directory trigger (what git:from-image, git:from-archive and
 * git:load-image build on): the directory committed as the next commit of the deploy branch — its
 * tree is the directory and nothing else — then built and deployed like a push. A failed deploy
 * moves the branch back one commit (or deletes it, for an app that had no code). Same git commands
 * as Dokku's, in the same order. Returns the exit code.
 */
export async function gitFromDirectory(ctx: CoreContext, capture: Capture, app: string, sourceDir: string, user: string, email: string): Promise<number> {
  const appRoot = appDir(ctx.paths, app)
  const deployBranch = computedDeployBranch(ctx.paths, app)
  const work = tempDir(ctx, 'trigger-git-git-from-directory')
  const clone = tempDir(ctx, 'trigger-git-git-from-directory')
  const hasCode = await hasDeployBranch(ctx, app)
  let rev: string
  ctx.out.info1('Updating git repository with specified build context')
  try {
    if (!hasCode) {
      fs.cpSync(sourceDir, work, {recursive: true})
      await mustGit(ctx, work, ['init'])
      await mustGit(ctx, work, ['checkout', '-b', deployBranch])
      await mustGit(ctx, work, ['config', 'init.defaultBranch', deployBranch])
      await commitAll(ctx, work, user, email, 'Initial commit')
      rev = (await mustGit(ctx, work, ['rev-parse', 'HEAD'])).trim()
      await cloneIntoApp(ctx, app, work, deployBranch, false)
    } else {
      await mustGit(ctx, ctx.paths.tmpDir, ['clone', appRoot, clone])
      fs.cpSync(sourceDir, work, {recursive: true})
      fs.renameSync(path.join(clone, '.git'), path.join(work, '.git'))
      await mustGit(ctx, work, ['config', 'user.name', user])
      await mustGit(ctx, work, ['config', 'user.email', email])
      await mustGit(ctx, work, ['add', '--all'])
      await mustGit(ctx, work, ['update-index', '--refresh'])
      // The clone checks out the bare repo's HEAD branch, which is the deploy branch only when it is
      // named like git's init default; otherwise HEAD is unborn here, diff-index fails and a new
      // root commit follows, as on a real host.
      if ((await gitIn(ctx, work, ['diff-index', '--quiet', 'HEAD', '--'])).code === 0) {
        ctx.out.warn('No changes detected, skipping git commit')
        ctx.out.warn("Call 'ps:rebuild' on app to rebuild the app from existing source")
        return 1
      }
      await mustGit(ctx, work, ['commit', '-m', `Automated commit @ ${Math.floor(Date.now() / 1000)}`])
      rev = (await mustGit(ctx, work, ['rev-parse', 'HEAD'])).trim()
      await fetchIntoApp(ctx, app, work, rev)
    }
  } finally {
    fs.rmSync(work, {recursive: true, force: true})
    fs.rmSync(clone, {recursive: true, force: true})
  }

  const code = await receiveApp(ctx, app, rev, {source: capture.record.source, setRevVar: true, capture})
  if (code === 0) return 0
  // A root commit has no parent to go back to: update-ref fails, and under `set -e` its exit code ends the trigger.
  if (hasCode) await mustGit(ctx, appRoot, ['update-ref', `refs/heads/${deployBranch}`, `${deployBranch}^`])
  else await mustGit(ctx, appRoot, ['update-ref', '-d', 'HEAD'])
  return code
}

async function commitAll(ctx: CoreContext, dir: string, user: string, email: string, message: string): Promise<void> {
  await mustGit(ctx, dir, ['config', 'user.name', user])
  await mustGit(ctx, dir, ['config', 'user.email', email])
  await mustGit(ctx, dir, ['add', '--all'])
  await mustGit(ctx, dir, ['commit', '-m', message])
}
