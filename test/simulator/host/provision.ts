import fs from 'node:fs'
import path from 'node:path'
import {spawn, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {type HostPaths, hostPaths} from './paths.js'
import {type HostSettings, DEFAULT_SETTINGS, writeSettings} from '../core/store/settings.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
/** The simulator's root (test/simulator), whether this module runs from source or from dist/. */
export const SIMULATOR_ROOT = path.basename(HERE) === 'host' && path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '..', '..') : path.resolve(HERE, '..')
export const REPOSITORY_ROOT = path.resolve(SIMULATOR_ROOT, '..', '..')

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
export async function provisionHost(hostDir: string, options: ProvisionOptions, server: CoreServerAddress): Promise<HostPaths> {
  const paths = hostPaths(hostDir)
  for (const dir of [paths.binDir, paths.dokkuRoot, paths.pluginAvailable, paths.pluginEnabled, paths.logsDir, paths.dockerDir, paths.nginxDir, paths.simDir, paths.tmpDir]) {
    fs.mkdirSync(dir, {recursive: true})
  }
  writeSettings(paths, {name: options.name, ...DEFAULT_SETTINGS, ...options.settings})
  writeHostCommands(paths, server)

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

  if (options.gate) await installGatePlugin(paths)
  return paths
}

/** Where the hosts' `dokku` and `docker` reach the core server: its socket name and the client command. */
export interface CoreServerAddress {
  socketName: string
  client: string[]
}

/**
 * The host's bin/dokku (host/dokku-entry.sh) and bin/docker, pointing at this simulator's core server.
 * Written at every start: a host served again from an existing state dir gets the new server's socket.
 */
export function writeHostCommands(paths: HostPaths, server: CoreServerAddress): void {
  const client = server.client.map(shellQuote).join(' ')
  const entry = fs
    .readFileSync(path.join(SIMULATOR_ROOT, 'host', 'dokku-entry.sh'), 'utf8')
    // Dokku's `#!/usr/bin/env bash` costs an `env` process per dokku command (one per SSH command, one
    // per plugin's nested `dokku`), about 1 ms of CPU each where every host shares one machine; the
    // bash it would find is the same, so the host names it directly.
    .replace(/^#!\/usr\/bin\/env bash\n/, `#!${bashPath()}\n`)
    .replace('@HOST_DIR@', shellQuote(paths.hostDir))
    .replace('@CLIENT@', client)
    .replace('@SOCKET@', shellQuote(server.socketName))
    .replace('@SYSTEM_USER@', shellQuote(systemAccount('-un')))
    .replace('@SYSTEM_GROUP@', shellQuote(systemAccount('-gn')))
  writeExecutable(path.join(paths.binDir, 'dokku'), entry)
  // Real docker is one binary: the wrapper that points the client at this host is the lightest shell.
  writeExecutable(path.join(paths.binDir, 'docker'), `#!/bin/sh\nexec ${client} ${shellQuote(server.socketName)} docker ${shellQuote(paths.hostDir)} "$@"\n`)
  // The config plugin's config_sub binary (plugins/config/src/config_sub/config_sub.go), which Dokku's
  // config_get/config_keys helpers run and the gate calls directly: `config_sub get <app> KEY` is
  // `dokku config:get <app> KEY` without Dokku's entry script, answered here by the same core commands.
  const configPlugin = path.join(paths.libRoot, 'core-plugins', 'available', 'config')
  fs.mkdirSync(configPlugin, {recursive: true})
  writeExecutable(
    path.join(configPlugin, 'config_sub'),
    [
      '#!/bin/sh',
      'case $1 in',
      '  get | keys | export | set | unset) ;;',
      `  *) echo " !     Invalid plugin config_sub call: $1" >&2; exit 1 ;;`,
      'esac',
      'sub=$1',
      'shift',
      `exec ${client} ${shellQuote(server.socketName)} core "config:$sub" "$@"`,
      '',
    ].join('\n'),
  )
}

let bash: string | undefined
/** The bash `env bash` would run: the first executable `bash` on this process's PATH. */
function bashPath(): string {
  if (bash === undefined) {
    bash = '/bin/bash'
    for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
      const candidate = path.join(dir || '.', 'bash')
      try {
        fs.accessSync(candidate, fs.constants.X_OK)
        if (fs.statSync(candidate).isFile()) {
          bash = path.resolve(candidate)
          break
        }
      } catch {
        // not here
      }
    }
  }
  return bash
}

const accounts = new Map<string, string>()
/** This process's user or group name (`id -un` / `id -gn`), looked up once. */
function systemAccount(flag: '-un' | '-gn'): string {
  let name = accounts.get(flag)
  if (name === undefined) {
    name = spawnSync('id', [flag], {encoding: 'utf8'}).stdout.trim()
    accounts.set(flag, name)
  }
  return name
}

function writeExecutable(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temp, content, {mode: 0o755})
  fs.renameSync(temp, file)
}

/** Packs dokku-plugin/ as a tarball and installs it the way the README tells operators to, as root. */
export async function installGatePlugin(paths: HostPaths): Promise<void> {
  const tarball = path.join(paths.tmpDir, 'graduate-gate.tgz')
  const pack = spawnSync('tar', ['-czf', tarball, '-C', REPOSITORY_ROOT, 'dokku-plugin'], {encoding: 'utf8'})
  if (pack.status !== 0) throw new Error(`simulator: cannot pack dokku-plugin/: ${pack.stderr}`)
  await runDokku(paths, ['plugin:install', `file://${tarball}`, '--name', 'graduate'], {login: 'root'})
}

/**
 * Runs the host's `dokku` locally (not over SSH) and throws with its output when it fails. Never
 * synchronously: the command runs in this very process's core server.
 */
export function runDokku(paths: HostPaths, args: string[], options: {login?: 'root' | 'dokku'; input?: string} = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(paths.binDir, 'dokku'), args, {env: {...cleanEnv(), SIM_SSH_LOGIN: options.login ?? 'dokku'}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
    child.on('error', reject)
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(`simulator: dokku ${args.join(' ')} exited ${status}:\n${stdout}${stderr}`))
      else resolve(stdout)
    })
  })
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
