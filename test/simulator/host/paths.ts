import path from 'node:path'

/**
 * Where a simulated host keeps its state. The Dokku parts use Dokku's own layout (DOKKU_ROOT holds
 * the bare repos and CONTAINER.* files, DOKKU_LIB_ROOT the plugins, data and properties), so a real
 * OpenSSH server can later serve the same host through a forced command.
 */
export interface HostPaths {
  hostDir: string
  binDir: string
  dokkuRoot: string
  libRoot: string
  pluginPath: string
  pluginAvailable: string
  pluginEnabled: string
  logsDir: string
  journalFile: string
  dockerDir: string
  nginxDir: string
  simDir: string
  settingsFile: string
  faultsFile: string
  tmpDir: string
  /** The image registry every host of one simulator shares: `_registry` beside the host directories. */
  registryDir: string
}

export function hostPaths(hostDir: string): HostPaths {
  const dokkuRoot = path.join(hostDir, 'home', 'dokku')
  const libRoot = path.join(hostDir, 'var', 'lib', 'dokku')
  const pluginPath = path.join(libRoot, 'plugins')
  const logsDir = path.join(hostDir, 'var', 'log', 'dokku')
  const simDir = path.join(hostDir, 'sim')
  return {
    hostDir,
    binDir: path.join(hostDir, 'bin'),
    dokkuRoot,
    libRoot,
    pluginPath,
    pluginAvailable: path.join(pluginPath, 'available'),
    pluginEnabled: path.join(pluginPath, 'enabled'),
    logsDir,
    journalFile: path.join(logsDir, 'sim-journal.ndjson'),
    dockerDir: path.join(hostDir, 'var', 'lib', 'docker'),
    nginxDir: path.join(hostDir, 'etc', 'nginx', 'apps'),
    simDir,
    settingsFile: path.join(simDir, 'settings.json'),
    faultsFile: path.join(simDir, 'faults.json'),
    tmpDir: path.join(hostDir, 'tmp'),
    registryDir: registryDirOf(path.dirname(hostDir)),
  }
}

/** The registry of a simulator's state dir; host names start with a letter, so it never collides with a host's directory. */
export function registryDirOf(stateDir: string): string {
  return path.join(stateDir, '_registry')
}

/** The paths of the host a core command runs on, from the environment the `dokku` entry exported. */
export function hostPathsFromEnv(env: NodeJS.ProcessEnv = process.env): HostPaths {
  const dokkuRoot = env['DOKKU_ROOT']
  if (!dokkuRoot) throw new Error('simulator: DOKKU_ROOT is not set; run core commands through the host bin/dokku')
  return hostPaths(path.resolve(dokkuRoot, '..', '..'))
}

export function appDir(paths: HostPaths, app: string): string {
  return path.join(paths.dokkuRoot, app)
}

/** `$DOKKU_LIB_ROOT/data/<plugin>/<app>` (Dokku's GetAppDataDirectory). */
export function dataDir(paths: HostPaths, plugin: string, app?: string): string {
  return app === undefined ? path.join(paths.libRoot, 'data', plugin) : path.join(paths.libRoot, 'data', plugin, app)
}

/** `$DOKKU_LIB_ROOT/config/<plugin>/<app>` where Dokku keeps plugin properties, one file per key. */
export function propertyDir(paths: HostPaths, plugin: string, app: string): string {
  return path.join(paths.libRoot, 'config', plugin, app)
}

/** `$DOKKU_LIB_ROOT/config/<app>/ENV`, where Dokku 0.38 keeps an app's config. */
export function envFile(paths: HostPaths, app: string): string {
  return path.join(paths.libRoot, 'config', app, 'ENV')
}
