import fs from 'node:fs'
import path from 'node:path'
import {type HostPaths, appDir} from '../../host/paths.js'
import {fail} from '../io.js'
import {listDir} from './files.js'
import {getProperty, setProperty} from './properties.js'

/** Dokku's IsValidAppName (plugins/common/common.go); apps created under the old rule may also have underscores. */
const APP_NAME = /^[a-z0-9][a-z0-9.-]*$/
const OLD_APP_NAME = /^[a-z0-9][a-z0-9._-]*$/
const INVALID_APP_NAME =
  'App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens'

export function isValidAppName(name: string): boolean {
  return APP_NAME.test(name) || OLD_APP_NAME.test(name)
}

export function appExists(paths: HostPaths, app: string): boolean {
  return isValidAppName(app) && fs.existsSync(appDir(paths, app))
}

/** Dokku's verify_app_name: an invalid name fails with exit 1, a missing app with exit 20. */
export function verifyApp(paths: HostPaths, app: string | undefined): string {
  if (!app) fail('Please specify an app to run the command on')
  if (!isValidAppName(app)) fail(INVALID_APP_NAME)
  if (!fs.existsSync(appDir(paths, app))) fail(`App ${app} does not exist`, 20)
  return app
}

export function verifyNewAppName(app: string | undefined): string {
  if (!app) fail('Please specify an app to run the command on')
  if (!APP_NAME.test(app)) fail(INVALID_APP_NAME)
  return app
}

export function listApps(paths: HostPaths): string[] {
  return listDir(paths.dokkuRoot).filter(
    (name) => isValidAppName(name) && fs.statSync(path.join(paths.dokkuRoot, name)).isDirectory(),
  )
}

/** apps:create: the app directory and its creation time. The bare repo is made on the first push or fetch, as in Dokku. */
export function createApp(paths: HostPaths, app: string): void {
  fs.mkdirSync(appDir(paths, app), {recursive: true})
  if (getProperty(paths, 'apps', app, 'created-at') === undefined) {
    setProperty(paths, 'apps', app, 'created-at', String(Math.floor(Date.now() / 1000)))
  }
}
