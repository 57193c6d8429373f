import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {type HostPaths, hostPaths} from './paths.js'
import {type HostSettings, DEFAULT_SETTINGS, writeSettings} from '../core/store/settings.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
/** The simulator's root (test/simulator), whether this module runs from source or from dist/. */
export const SIMULATOR_ROOT = path.basename(HERE) === 'host' && path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '..', '..') : path.resolve(HERE, '..')
export const REPOSITORY_ROOT = path.resolve(SIMULATOR_ROOT, '..', '..')
const DIST = path.join(SIMULATOR_ROOT, 'dist')

/** Dokku 0.38's core plugins, as `plugin:list` shows them; scheduler-docker-local's check-deploy is Dokku's health check. */
const CORE_PLUGINS = [
  '00_dokku-standard', '20_events', 'app-json', 'apps', 'builder', 'builder-dockerfile', 'builder-herokuish', 'builds',
  'buildpacks', 'certs', 'checks', 'common', 'config', 'cron', 'docker-options', 'domains', 'enter', 'git', 'logs',
  'network', 'nginx-vhosts', 'plugin', 'ports', 'proxy', 'ps', 'registry', 'repo', 'resource', 'run', 'scheduler',
  'scheduler-docker-local', 'shell', 'ssh-keys', 'storage', 'trace',
]

export interface ProvisionOptions {
  name: string
  /** Install the gate plugin from this repository's dokku-plugin/ with `plugin:install … --name graduate`. */
  gate: boolean
  settings?: Partial<Omit<HostSettings, 'name'>>
}

/**
 * Lays out a simulated Dokku host in `hostDir`: Dokku's directories, the `dokku` and `docker`
 * commands on its bin/, the core plugins as enabled directories, and (optionally) the gate plugin
 * installed through the same plugin:install an operator would run as root.
 */
export function provisionHost(hostDir: string, options: ProvisionOptions): HostPaths {
  const compiledCore = path.join(DIST, 'core', 'main.js')
  if (!fs.existsSync(compiledCore)) {
    throw new Error(`simulator: ${compiledCore} is missing; run \`npm run build\` first (npm test does it)`)
  }
  const paths = hostPaths(hostDir)
  for (const dir of [paths.binDir, paths.dokkuRoot, paths.pluginAvailable, paths.pluginEnabled, paths.logsDir, paths.dockerDir, paths.nginxDir, paths.simDir, paths.tmpDir]) {
    fs.mkdirSync(dir, {recursive: true})
  }
  writeSettings(paths, {name: options.name, ...DEFAULT_SETTINGS, ...options.settings})

  const entry = fs
    .readFileSync(path.join(SIMULATOR_ROOT, 'host', 'dokku-entry.sh'), 'utf8')
    .replace('@HOST_DIR@', shellQuote(hostDir))
    .replace('@NODE@', shellQuote(process.execPath))
    .replace('@CORE_MAIN@', shellQuote(compiledCore))
  fs.writeFileSync(path.join(paths.binDir, 'dokku'), entry, {mode: 0o755})
  fs.writeFileSync(
    path.join(paths.binDir, 'docker'),
    `#!/usr/bin/env bash\nexec ${shellQuote(process.execPath)} ${shellQuote(path.join(DIST, 'docker-shim.js'))} ${shellQuote(hostDir)} "$@"\n`,
    {mode: 0o755},
  )

  const version = options.settings?.dokkuVersion ?? DEFAULT_SETTINGS.dokkuVersion
  const coreAvailable = path.join(paths.libRoot, 'core-plugins', 'available')
  for (const plugin of CORE_PLUGINS) {
    const dir = path.join(coreAvailable, plugin)
    fs.mkdirSync(dir, {recursive: true})
    fs.writeFileSync(path.join(dir, 'plugin.toml'), `[plugin]\ndescription = "dokku core ${plugin} plugin"\nversion = "${version}"\n[plugin.config]\n`)
    for (const link of [path.join(paths.pluginAvailable, plugin), path.join(paths.pluginEnabled, plugin)]) {
      if (!fs.existsSync(link)) fs.symlinkSync(dir, link)
    }
  }
  fs.writeFileSync(path.join(paths.libRoot, 'VERSION'), `${version}\n`)

  if (options.gate) installGatePlugin(paths)
  return paths
}

/** Packs dokku-plugin/ as a tarball and installs it the way the README tells operators to, as root. */
export function installGatePlugin(paths: HostPaths): void {
  const tarball = path.join(paths.tmpDir, 'graduate-gate.tgz')
  const pack = spawnSync('tar', ['-czf', tarball, '-C', REPOSITORY_ROOT, 'dokku-plugin'], {encoding: 'utf8'})
  if (pack.status !== 0) throw new Error(`simulator: cannot pack dokku-plugin/: ${pack.stderr}`)
  runDokku(paths, ['plugin:install', `file://${tarball}`, '--name', 'graduate'], {login: 'root'})
}

/** Runs the host's `dokku` locally (not over SSH) and throws with its output when it fails. */
export function runDokku(paths: HostPaths, args: string[], options: {login?: 'root' | 'dokku'; input?: string} = {}): string {
  const result = spawnSync(path.join(paths.binDir, 'dokku'), args, {
    encoding: 'utf8',
    input: options.input ?? '',
    env: {...cleanEnv(), SIM_SSH_LOGIN: options.login ?? 'dokku'},
  })
  if (result.status !== 0) {
    throw new Error(`simulator: dokku ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`)
  }
  return result.stdout
}

/** The environment simulated commands start from: this process's, minus anything Dokku or git set. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DOKKU_|GIT_|SSH_ORIGINAL_COMMAND$|SIM_)/.test(key)) continue
    env[key] = value
  }
  return env
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
