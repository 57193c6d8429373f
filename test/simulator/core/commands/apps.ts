import fs from 'node:fs'
import {appDir, dataDir} from '../../host/paths.js'
import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {appExists, createApp, isValidAppName, listApps, verifyApp, verifyNewAppName} from '../store/apps.js'
import {DeployLock} from '../store/deploy-lock.js'
import {exists} from '../store/files.js'
import {createBareRepo} from '../store/git-repo.js'
import {rebuildConfigWithoutBuild} from '../deploy/nginx.js'
import {computedProperty, deleteAppProperties, getProperty} from '../store/properties.js'
import {report} from './report.js'

export const appsExists: CoreCommand = (ctx, [, app]) => {
  verifyApp(ctx.paths, app)
  return 0
}

export const appsList: CoreCommand = (ctx, args) => {
  const apps = listApps(ctx.paths)
  if (args.includes('--format') && args[args.indexOf('--format') + 1] === 'json') {
    ctx.out.out(JSON.stringify(apps))
    return 0
  }
  if (apps.length === 0) {
    ctx.out.warn('You haven\'t deployed any applications yet')
    return 0
  }
  ctx.out.info2Quiet('My Apps')
  for (const app of apps) ctx.out.out(app)
  return 0
}

export const appsCreate: CoreCommand = async (ctx, [, app]) => {
  const name = verifyNewAppName(app)
  if (appExists(ctx.paths, name)) fail('Name is already taken')
  ctx.out.info1Quiet(`Creating ${name}...`)
  createApp(ctx.paths, name)
  createBareRepo(ctx.paths, name)
  // Dokku rebuilds the new app's proxy config, firing nginx-pre-reload without a build (observed §10).
  await rebuildConfigWithoutBuild(ctx, name)
  return 0
}

export const appsDestroy: CoreCommand = (ctx, args) => {
  const app = verifyApp(ctx.paths, args.filter((arg) => !arg.startsWith('--'))[1])
  if (ctx.env['DOKKU_APPS_FORCE_DELETE'] !== '1') fail('Destroying an app requires --force in this simulator (no TTY to confirm)')
  ctx.out.info1(`Destroying ${app} (including all add-ons)`)
  fs.rmSync(appDir(ctx.paths, app), {recursive: true, force: true})
  deleteAppProperties(ctx.paths, app)
  return 0
}

/** apps:lock only creates the lock file; a deploy's flock ignores it and removes it (dokku-observed.md §8). */
export const appsLock: CoreCommand = (ctx, [, app]) => {
  const name = verifyApp(ctx.paths, app)
  const file = DeployLock.lockFile(ctx.paths, name)
  fs.mkdirSync(dataDir(ctx.paths, 'apps', name), {recursive: true})
  fs.writeFileSync(file, '')
  return 0
}

export const appsUnlock: CoreCommand = (ctx, [, app]) => {
  const name = verifyApp(ctx.paths, app)
  const file = DeployLock.lockFile(ctx.paths, name)
  if (!exists(file)) fail('Unable to remove deploy lock')
  ctx.out.warn('A deploy may be in progress.')
  ctx.out.warn('Removing the app lock will not stop in progress deploys.')
  fs.rmSync(file, {force: true})
  ctx.out.info1('Deploy lock removed')
  return 0
}

export const appsLocked: CoreCommand = (ctx, [, app]) => {
  const name = verifyApp(ctx.paths, app)
  if (exists(DeployLock.lockFile(ctx.paths, name))) {
    ctx.out.out('Deploy lock exists')
    return 0
  }
  ctx.out.warn('Deploy lock does not exist')
  return 1
}

export const appsReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'app', trimPrefix: true, emitLegacyPrefix: true},
    (app) => ({
      '--app-created-at': getProperty(ctx.paths, 'apps', app, 'created-at') ?? '',
      '--app-deploy-source': getProperty(ctx.paths, 'apps', app, 'deploy-source') ?? '',
      '--app-deploy-source-metadata': getProperty(ctx.paths, 'apps', app, 'deploy-source-metadata') ?? '',
      '--app-dir': appDir(ctx.paths, app),
      '--app-global-disable-autocreation': getProperty(ctx.paths, 'apps', '--global', 'disable-autocreation') ?? '',
      '--app-locked': String(exists(DeployLock.lockFile(ctx.paths, app))),
    }),
    (app) => verifyApp(ctx.paths, app),
  )

/** app-maybe-create: git push/fetch to a missing app creates it unless autocreation is disabled globally. */
export function maybeCreateApp(ctx: Parameters<CoreCommand>[0], app: string): void {
  if (!isValidAppName(app)) fail('App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens')
  if (appExists(ctx.paths, app)) return
  if (computedProperty(ctx.paths, 'apps', app, 'disable-autocreation', 'false') === 'true') fail(`App ${app} does not exist`, 20)
  createApp(ctx.paths, app)
  createBareRepo(ctx.paths, app)
}
