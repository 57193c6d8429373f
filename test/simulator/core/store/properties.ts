import fs from 'node:fs'
import path from 'node:path'
import {type HostPaths, propertyDir} from '../../host/paths.js'
import {readText, writeFileAtomic} from './files.js'

export const GLOBAL = '--global'

/** Dokku's plugin properties: `$DOKKU_LIB_ROOT/config/<plugin>/<app>/<key>`, one file per key. */
export function getProperty(paths: HostPaths, plugin: string, app: string, key: string): string | undefined {
  const value = readText(path.join(propertyDir(paths, plugin, app), key))
  return value === undefined ? undefined : value.replace(/\n$/, '')
}

export function setProperty(paths: HostPaths, plugin: string, app: string, key: string, value: string): void {
  writeFileAtomic(path.join(propertyDir(paths, plugin, app), key), `${value}\n`)
}

export function deleteProperty(paths: HostPaths, plugin: string, app: string, key: string): void {
  fs.rmSync(path.join(propertyDir(paths, plugin, app), key), {force: true})
}

/** App value, else global value, else the default: how Dokku computes `computed-*` report keys. */
export function computedProperty(paths: HostPaths, plugin: string, app: string, key: string, fallback: string): string {
  const own = getProperty(paths, plugin, app, key)
  if (own) return own
  const global = getProperty(paths, plugin, GLOBAL, key)
  return global || fallback
}

export function deleteAppProperties(paths: HostPaths, app: string): void {
  const configRoot = path.join(paths.libRoot, 'config')
  for (const plugin of fs.existsSync(configRoot) ? fs.readdirSync(configRoot) : []) {
    fs.rmSync(path.join(configRoot, plugin, app), {recursive: true, force: true})
  }
}
