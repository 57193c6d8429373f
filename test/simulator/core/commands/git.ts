import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {appDir} from '../../host/paths.js'
import {pause} from '../session.js'
import {DeployLock} from '../store/deploy-lock.js'
import type {CoreCommand, CoreContext} from '../context.js'
import {fail} from '../io.js'
import {isValidAppName, verifyApp} from '../store/apps.js'
import {computedDeployBranch, revEnvVar} from '../store/git-repo.js'
import {GLOBAL, deleteProperty, getProperty, setProperty} from '../store/properties.js'
import {receiveApp, setDeploySource} from '../deploy/release.js'
import {maybeCreateApp} from './apps.js'
import {report} from './report.js'

/** cmd-git-glob's unquoting of the app argument: unescaped single quotes dropped, a leading slash removed. */
function unquoteApp(raw: string | undefined): string {
  return (raw ?? '').replace(/(?<!\\)'/g, '').replace(/\\'/g, "'").replace(/^\//, '')
}

/**
 * git receive-pack/upload-pack speaking to the client through the command's stdin and stdout. Its
 * pre-receive hook calls back into `dokku git-hook`, so it is awaited, never waited for synchronously.
 */
function runGit(ctx: CoreContext, args: string[]): Promise<number> {
  return ctx.session.waitFor(
    new Promise((resolve) => {
      const child = ctx.session.spawn('git', args, {stdio: ['pipe', 'pipe', 'pipe'], env: ctx.env, cwd: ctx.cwd})
      child.stdout!.on('data', (chunk: Buffer) => ctx.out.passthrough(chunk))
      child.stderr!.on('data', (chunk: Buffer) => ctx.out.passthrough(chunk, true))
      child.stdin!.on('error', () => {})
      ctx.stdin.pipe(child.stdin!)
      child.on('error', () => resolve(128))
      child.on('close', (code) => {
        ctx.stdin.unpipe(child.stdin!)
        resolve(code ?? 128)
      })
    }),
  )
}

/**
 * On a real host, when the pushing client went away git receive-pack and the pre-receive hook exited
 * but the `dokku git-receive-pack` processes above them stayed until the deploy was over
 * (dokku-observed.md §4). So after a hangup this command lives on while the app's deploy lock is held:
 * its pid is DOKKU_PID, which the gate watches to tell a lost client from a cancelled deploy.
 */
export const gitReceivePack: CoreCommand = async (ctx, args) => {
  const app = unquoteApp(args[1])
  if (!isValidAppName(app)) fail('App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens')
  maybeCreateApp(ctx, app)
  const code = await runGit(ctx, ['receive-pack', appDir(ctx.paths, app)])
  while (ctx.session.hungUp && DeployLock.isHeld(ctx.paths, app)) await pause(500)
  return code
}

export const gitUploadPack: CoreCommand = async (ctx, args) => {
  const app = unquoteApp(args[1])
  maybeCreateApp(ctx, app)
  return runGit(ctx, ['upload-pack', appDir(ctx.paths, app)])
}

/** cmd-git-hook: called by the pre-receive hook with `oldrev newrev refname` lines on stdin. */
export const gitHook: CoreCommand = async (ctx, args) => {
  ctx.session.outliveHangup()
  const app = args[1] ?? ''
  if (!isValidAppName(app)) fail('App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens')
  const branch = computedDeployBranch(ctx.paths, app)
  const input = await ctx.session.waitFor(readAll(ctx.stdin))
  for (const line of input.split('\n')) {
    const [, newrev, refname] = line.trim().split(/\s+/)
    if (!newrev || !refname) continue
    if (refname === `refs/heads/${branch}` || refname === `refs/tags/${branch}`) {
      const code = await receiveApp(ctx, app, newrev, {source: 'git-hook', setRevVar: true})
      if (code !== 0) return code
      setDeploySource(ctx, app, 'git-push', newrev)
    } else if (!getProperty(ctx.paths, 'git', app, 'deploy-branch') && !getProperty(ctx.paths, 'git', GLOBAL, 'deploy-branch')) {
      const pushed = refname.replace(/^refs\/heads\//, '').replace(/^refs\/tags\//, '')
      ctx.out.out(`\x1b[1G\x1b[K-----> Set ${pushed} as deploy-branch`)
      setProperty(ctx.paths, 'git', app, 'deploy-branch', pushed)
      const code = await receiveApp(ctx, app, newrev, {source: 'git-hook', setRevVar: true})
      if (code !== 0) return code
      setDeploySource(ctx, app, 'git-push', newrev)
    } else {
      ctx.out.out(`\x1b[1G\x1b[K-----> WARNING: deploy did not complete, you must push to ${branch}.`)
      ctx.out.out(`\x1b[1G\x1b[K-----> for example, try 'git push <dokku> ${refname.replace(/^refs\/heads\//, '')}:${branch}'`)
    }
  }
  return 0
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    stream.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

export const gitReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'git', trimPrefix: true, emitLegacyPrefix: false},
    (app) => {
      const branch = computedDeployBranch(ctx.paths, app)
      const refFile = path.join(appDir(ctx.paths, app), 'refs', 'heads', branch)
      // `git rev-parse HEAD` in the bare repo: HEAD names the init default branch, so on an app
      // deployed from another branch this prints the literal "HEAD" (dokku-observed.md §8).
      const head = spawnSync('git', ['rev-parse', 'HEAD'], {cwd: appDir(ctx.paths, app), encoding: 'utf8', env: ctx.env})
      const prop = (key: string) => getProperty(ctx.paths, 'git', app, key) ?? ''
      const global = (key: string) => getProperty(ctx.paths, 'git', GLOBAL, key) ?? ''
      return {
        '--git-computed-archive-max-files': '10000',
        '--git-computed-archive-max-size': '1073741824',
        '--git-computed-deploy-branch': branch,
        '--git-computed-keep-git-dir': prop('keep-git-dir') || 'false',
        '--git-deploy-branch': prop('deploy-branch'),
        '--git-global-archive-max-files': '',
        '--git-global-archive-max-size': '',
        '--git-global-deploy-branch': global('deploy-branch'),
        '--git-global-keep-git-dir': '',
        '--git-keep-git-dir': prop('keep-git-dir'),
        '--git-last-updated-at': fs.existsSync(refFile) ? String(Math.floor(fs.statSync(refFile).mtimeMs / 1000)) : '',
        '--git-rev-env-var': revEnvVar(ctx.paths, app),
        '--git-sha': head.stdout.split('\n')[0] ?? '',
        '--git-source-image': prop('source-image'),
      }
    },
    (app) => verifyApp(ctx.paths, app),
  )

export const gitSet: CoreCommand = (ctx, args) => {
  const rest = args.slice(1)
  const global = rest.includes('--global')
  const positional = rest.filter((arg) => arg !== '--global')
  const app = global ? GLOBAL : verifyApp(ctx.paths, positional.shift())
  const [key, value] = positional
  if (!key || !['deploy-branch', 'rev-env-var', 'keep-git-dir', 'source-image'].includes(key)) fail(`Invalid property specified, valid properties include: deploy-branch, keep-git-dir, rev-env-var, source-image`)
  if (value === undefined || value === '') {
    ctx.out.info1(`Unsetting ${key}`)
    deleteProperty(ctx.paths, 'git', app, key)
  } else {
    ctx.out.info1(`Setting ${key} to ${value}`)
    setProperty(ctx.paths, 'git', app, key, value)
  }
  return 0
}
