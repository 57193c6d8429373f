import type {CoreCommand} from './context.js'

/**
 * The Dokku commands the simulator implements; anything else falls through to plugins' `commands`.
 * Each loads its module on first use; they run in the simulator process's core server (core/server.ts).
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

/** Dokku's DOKKU_NOT_IMPLEMENTED_EXIT: bin/dokku then gives plugins' `commands` their turn. */
export const NOT_IMPLEMENTED = 10
