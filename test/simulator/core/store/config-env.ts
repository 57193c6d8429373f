import {type HostPaths, envFile} from '../../host/paths.js'
import {readText, writeFileAtomic} from './files.js'

/**
 * An app's config, in `$DOKKU_LIB_ROOT/config/<app>/ENV` as Dokku 0.38 keeps it: one
 * `KEY="value"` line per variable (godotenv's format; values JSON-escaped here).
 */
export function readConfig(paths: HostPaths, app: string): Record<string, string> {
  const text = readText(envFile(paths, app)) ?? ''
  const config: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(".*")$/.exec(line)
    if (match) config[match[1]!] = JSON.parse(match[2]!) as string
  }
  return config
}

export function writeConfig(paths: HostPaths, app: string, config: Record<string, string>): void {
  const lines = Object.keys(config)
    .sort()
    .map((key) => `${key}=${JSON.stringify(config[key])}`)
  writeFileAtomic(envFile(paths, app), lines.length ? `${lines.join('\n')}\n` : '')
}

export function updateConfig(paths: HostPaths, app: string, set: Record<string, string>, unset: string[] = []): void {
  const config = readConfig(paths, app)
  Object.assign(config, set)
  for (const key of unset) delete config[key]
  writeConfig(paths, app, config)
}

export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
