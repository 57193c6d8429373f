import {hostPathsFromEnv} from '../host/paths.js'
import type {CoreCommand, CoreContext} from './context.js'
import {CommandExit, DokkuFailure, Output} from './io.js'
import {sessionHungUp} from './session.js'

/**
 * The Dokku commands the simulator implements; anything else falls through to plugins' `commands`.
 * Each loads only its own module: every Dokku command on a simulated host is a process of its own.
 */
export const CORE_COMMANDS: Record<string, () => Promise<CoreCommand>> = {
  version: () => import('./commands/misc.js').then((module) => module.version),
  'apps:create': () => import('./commands/apps.js').then((module) => module.appsCreate),
  'apps:destroy': () => import('./commands/apps.js').then((module) => module.appsDestroy),
  'apps:exists': () => import('./commands/apps.js').then((module) => module.appsExists),
  'apps:list': () => import('./commands/apps.js').then((module) => module.appsList),
  'apps:lock': () => import('./commands/apps.js').then((module) => module.appsLock),
  'apps:locked': () => import('./commands/apps.js').then((module) => module.appsLocked),
  'apps:report': () => import('./commands/apps.js').then((module) => module.appsReport),
  'apps:unlock': () => import('./commands/apps.js').then((module) => module.appsUnlock),
  'builds:list': () => import('./commands/misc.js').then((module) => module.buildsList),
  'builds:output': () => import('./commands/misc.js').then((module) => module.buildsOutput),
  'checks:disable': () => import('./commands/checks.js').then((module) => module.checksDisable),
  'checks:enable': () => import('./commands/checks.js').then((module) => module.checksEnable),
  'checks:report': () => import('./commands/checks.js').then((module) => module.checksReport),
  'checks:run': () => import('./commands/checks.js').then((module) => module.checksRun),
  'checks:set': () => import('./commands/checks.js').then((module) => module.checksSet),
  'checks:skip': () => import('./commands/checks.js').then((module) => module.checksSkip),
  'config:export': () => import('./commands/config.js').then((module) => module.configExport),
  'config:get': () => import('./commands/config.js').then((module) => module.configGet),
  'config:keys': () => import('./commands/config.js').then((module) => module.configKeys),
  'config:set': () => import('./commands/config.js').then((module) => module.configSet),
  'config:unset': () => import('./commands/config.js').then((module) => module.configUnset),
  'domains:report': () => import('./commands/proxy-domains.js').then((module) => module.domainsReport),
  'domains:set': () => import('./commands/proxy-domains.js').then((module) => module.domainsSet),
  'git-hook': () => import('./commands/git.js').then((module) => module.gitHook),
  'git-receive-pack': () => import('./commands/git.js').then((module) => module.gitReceivePack),
  'git-upload-pack': () => import('./commands/git.js').then((module) => module.gitUploadPack),
  'git:from-image': () => import('./commands/git-from-image.js').then((module) => module.gitFromImage),
  'git:report': () => import('./commands/git.js').then((module) => module.gitReport),
  'git:set': () => import('./commands/git.js').then((module) => module.gitSet),
  'git:sync': () => import('./commands/git-sync.js').then((module) => module.gitSync),
  'logs:failed': () => import('./commands/misc.js').then((module) => module.logsFailed),
  'plugin:install': () => import('./commands/plugin.js').then((module) => module.pluginInstall),
  'plugin:list': () => import('./commands/misc.js').then((module) => module.pluginList),
  'plugin:uninstall': () => import('./commands/plugin.js').then((module) => module.pluginUninstall),
  'proxy:report': () => import('./commands/proxy-domains.js').then((module) => module.proxyReport),
  'proxy:set': () => import('./commands/proxy-domains.js').then((module) => module.proxySet),
  'ps:rebuild': () => import('./commands/ps.js').then((module) => module.psRebuild),
  'ps:report': () => import('./commands/ps.js').then((module) => module.psReport),
  'ps:restart': () => import('./commands/ps.js').then((module) => module.psRestart),
  'ps:scale': () => import('./commands/ps.js').then((module) => module.psScale),
  'registry:report': () => import('./commands/registry.js').then((module) => module.registryReport),
  'registry:set': () => import('./commands/registry.js').then((module) => module.registrySet),
  run: () => import('./commands/run.js').then((module) => module.runCommand),
  'scheduler:report': () => import('./commands/scheduler.js').then((module) => module.schedulerReport),
  'scheduler:set': () => import('./commands/scheduler.js').then((module) => module.schedulerSet),
}

const NOT_IMPLEMENTED = 10

async function main(argv: string[]): Promise<number> {
  const load = CORE_COMMANDS[argv[0] ?? '']
  if (!load) return NOT_IMPLEMENTED
  const command = await load()
  const quiet = process.env['DOKKU_QUIET_OUTPUT'] === '1'
  const out = new Output(process.stdout, process.stderr, {quiet})
  const ctx: CoreContext = {
    paths: hostPathsFromEnv(),
    out,
    env: process.env,
    login: process.env['SIM_SSH_LOGIN'] === 'root' ? 'root' : 'dokku',
    stdin: process.stdin,
    quiet,
  }
  delete ctx.env['SIM_SSH_LOGIN']
  try {
    return await command(ctx, argv)
  } catch (error) {
    if (error instanceof DokkuFailure) {
      out.warn(error.message)
      return error.exitCode
    }
    if (error instanceof CommandExit) return error.exitCode
    out.warn(`simulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return 1
  }
}

// A Dokku deploy outlives its SSH session (dokku-observed.md §4): the hangup that ends the session's
// git receive-pack does not stop this process or the gate processes it waits for.
process.on('SIGHUP', () => {
  sessionHungUp.value = true
})
process.exitCode = await main(process.argv.slice(2))
