import {appDir} from '../../host/paths.js'
import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {finishBuild} from '../store/builds.js'
import {computedDeployBranch} from '../store/git-repo.js'
import {cloneIntoApp, fetchIntoApp, gitIn, hasDeployBranch, mustGit} from '../deploy/git-fetch.js'
import {receiveApp, setDeploySource, startCapture} from '../deploy/release.js'

/**
 * git:sync [--build|--build-if-changes] [--skip-deploy-branch] <app> <remote> [<ref>] (cmd-git-sync):
 * the app's repository cloned (a new app) or fetched from `remote` — on a simulated host a path or
 * `file://` URL of a repository, the only remotes it reaches — moving the deploy branch; with a build,
 * the ref resolved to a sha and deployed like a push (DOKKU_BUILD_SOURCE=git:sync), and on success
 * the deploy source set to `git-sync <remote>#<sha>`. The branch stays moved when the deploy fails
 * (contract §1.4): nothing rolls it back.
 */
export const gitSync: CoreCommand = async (ctx, args) => {
  const positional: string[] = []
  let flag: '--build' | '--build-if-changes' | undefined
  let skipDeployBranch = false
  for (const arg of args.slice(1)) {
    if (arg === '--build' || arg === '--build-if-changes') flag = arg
    else if (arg === '--skip-deploy-branch') skipDeployBranch = true
    else positional.push(arg)
  }
  const [appArg, remote, ref] = positional
  const app = verifyApp(ctx.paths, appArg)
  if (!remote) fail('Missing GIT_REMOTE parameter')

  const appRoot = appDir(ctx.paths, app)
  const deployBranch = computedDeployBranch(ctx.paths, app)
  const currentRef = (await gitIn(ctx, appRoot, ['rev-parse', deployBranch])).stdout.trim()
  const capture = startCapture(ctx, app, 'git:sync', 'build')
  let code = 1
  try {
    const syncCtx = {...ctx, env: capture.env}
    if (!(await hasDeployBranch(syncCtx, app))) {
      ctx.out.info1Quiet(`Cloning ${app} from ${remote}#${ref ?? ''}`)
      await cloneIntoApp(syncCtx, app, remote, ref, skipDeployBranch)
    } else {
      ctx.out.verbose(`Fetching remote code for ${app} from ${remote}#${ref ?? ''}`)
      await fetchIntoApp(syncCtx, app, remote, ref)
    }
    const updatedRef = (await gitIn(ctx, appRoot, ['rev-parse', computedDeployBranch(ctx.paths, app)])).stdout.trim()
    if (flag === undefined || (flag === '--build-if-changes' && currentRef === updatedRef)) {
      if (flag) ctx.out.verbose('Skipping build as no changes were detected')
      code = 0
      return 0
    }
    const sha = ref ? (await mustGit(syncCtx, appRoot, ['rev-parse', ref])).trim() : updatedRef
    code = await receiveApp(syncCtx, app, sha, {source: 'git:sync', setRevVar: true, capture})
    if (code === 0) setDeploySource(ctx, app, 'git-sync', `${remote}#${sha}`)
    return code
  } finally {
    finishBuild(ctx.paths, capture.record, code)
  }
}
