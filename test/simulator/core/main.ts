import {hostPathsFromEnv} from '../host/paths.js'
import type {CoreCommand, CoreContext} from './context.js'
import {DokkuFailure, Output} from './io.js'
import {sessionHungUp} from './session.js'
import {appsCreate, appsDestroy, appsExists, appsList, appsLock, appsLocked, appsReport, appsUnlock} from './commands/apps.js'
import {checksDisable, checksEnable, checksReport, checksRun, checksSet, checksSkip} from './commands/checks.js'
import {configExport, configGet, configKeys, configSet, configUnset} from './commands/config.js'
import {gitHook, gitReceivePack, gitReport, gitSet, gitUploadPack} from './commands/git.js'
import {buildsList, buildsOutput, logsFailed, pluginList, version} from './commands/misc.js'
import {pluginInstall, pluginUninstall} from './commands/plugin.js'
import {domainsReport, domainsSet, proxyReport, proxySet} from './commands/proxy-domains.js'
import {psRebuild, psReport, psRestart, psScale} from './commands/ps.js'
import {registryReport, registrySet} from './commands/registry.js'
import {runCommand} from './commands/run.js'
import {schedulerReport, schedulerSet} from './commands/scheduler.js'

/** The Dokku commands the simulator implements; anything else falls through to plugins' `commands`. */
export const CORE_COMMANDS: Record<string, CoreCommand> = {
  version,
  'apps:create': appsCreate,
  'apps:destroy': appsDestroy,
  'apps:exists': appsExists,
  'apps:list': appsList,
  'apps:lock': appsLock,
  'apps:locked': appsLocked,
  'apps:report': appsReport,
  'apps:unlock': appsUnlock,
  'builds:list': buildsList,
  'builds:output': buildsOutput,
  'checks:disable': checksDisable,
  'checks:enable': checksEnable,
  'checks:report': checksReport,
  'checks:run': checksRun,
  'checks:set': checksSet,
  'checks:skip': checksSkip,
  'config:export': configExport,
  'config:get': configGet,
  'config:keys': configKeys,
  'config:set': configSet,
  'config:unset': configUnset,
  'domains:report': domainsReport,
  'domains:set': domainsSet,
  'git-hook': gitHook,
  'git-receive-pack': gitReceivePack,
  'git-upload-pack': gitUploadPack,
  'git:report': gitReport,
  'git:set': gitSet,
  'logs:failed': logsFailed,
  'plugin:install': pluginInstall,
  'plugin:list': pluginList,
  'plugin:uninstall': pluginUninstall,
  'proxy:report': proxyReport,
  'proxy:set': proxySet,
  'ps:rebuild': psRebuild,
  'ps:report': psReport,
  'ps:restart': psRestart,
  'ps:scale': psScale,
  'registry:report': registryReport,
  'registry:set': registrySet,
  run: runCommand,
  'scheduler:report': schedulerReport,
  'scheduler:set': schedulerSet,
}

const NOT_IMPLEMENTED = 10

async function main(argv: string[]): Promise<number> {
  const command = CORE_COMMANDS[argv[0] ?? '']
  if (!command) return NOT_IMPLEMENTED
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
