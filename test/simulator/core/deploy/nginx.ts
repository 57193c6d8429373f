import type {HostPaths} from '../../host/paths.js'
import type {Output} from '../io.js'
import {currentSession} from '../session.js'
import {type LiveRoute, discardPendingRoute, reloadRoutes, writePendingRoute} from '../store/nginx.js'
import {computedProperty} from '../store/properties.js'
import {readSettings} from '../store/settings.js'
import {runTriggerScript, triggerSteps} from './triggers.js'

export interface NginxBuild {
  paths: HostPaths
  out: Output
  app: string
  /** Dokku's environment for the trigger: a deploy's carries its DOKKU_BUILD_ID, a config command's none. */
  env: NodeJS.ProcessEnv
  /** The app's new config, when it changes what serves; absent for a rebuild that changes nothing. */
  route?: Omit<LiveRoute, 'liveSince'>
  /** Print Dokku's lines (a deploy does; apps:create and domains:set stay quiet here). */
  verbose: boolean
  /** The host's `nginxSwitchFails` fault may fail this build's `nginx -t`. */
  canFail: boolean
}

/**
 * nginx-vhosts' nginx_build_config as far as graduate touches it (contract §1.1 7.5, observed §10): the
 * app's nginx.conf is written, every enabled plugin's `nginx-pre-reload` runs as a real process with
 * Dokku's arguments (`APP '' ''`), then `nginx -t` and the reload — which loads every written config on
 * the host, so one reload switches every app whose config was waiting, whoever triggered it.
 */
export async function buildNginxConfig(build: NginxBuild): Promise<boolean> {
  const {paths, out, app} = build
  const settings = readSettings(paths)
  if (build.verbose) out.info1('Creating http nginx.conf')
  if (build.route) writePendingRoute(paths, build.route)
  if (!settings.nginxPreReloadMissing.includes(app) && !settings.nginxPreReloadMissing.includes('*')) {
    for (const step of triggerSteps(paths, 'nginx-pre-reload')) {
      if (step.kind !== 'script') continue
      const code = await runTriggerScript(step.file, [app, '', ''], build.env, out)
      if (code !== 0) {
        // plugn stops at a failing trigger and Dokku's set -e ends the build before the reload.
        discardPendingRoute(paths, app)
        return false
      }
    }
  }
  if (build.canFail && (settings.nginxSwitchFails.includes(app) || settings.nginxSwitchFails.includes('*'))) {
    discardPendingRoute(paths, app)
    out.err(`nginx: [emerg] simulated proxy rebuild failure for ${app} (fault injected)`)
    out.warn('Failed to reload nginx')
    return false
  }
  if (build.verbose) out.verbose('Reloading nginx')
  reloadRoutes(paths)
  if (build.verbose) {
    const pid = currentSession().pid
    out.out(`${new Date().toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/')} [notice] ${pid}#${pid}: signal process started`)
  }
  return true
}

/**
 * A config command's proxy rebuild (apps:create, domains:set): nginx-pre-reload runs with the command's
 * DOKKU_COMMAND and no DOKKU_BUILD_ID (observed §10), then the reload. Nothing new serves from it, but
 * it does load any other app's config that is written and waiting, as real nginx would.
 */
export async function rebuildConfigWithoutBuild(ctx: {paths: HostPaths; out: Output; env: NodeJS.ProcessEnv}, app: string): Promise<void> {
  if (computedProperty(ctx.paths, 'proxy', app, 'type', 'nginx') !== 'nginx') return
  const env: NodeJS.ProcessEnv = {...ctx.env}
  delete env['DOKKU_BUILD_ID']
  await buildNginxConfig({paths: ctx.paths, out: ctx.out, app, env, verbose: false, canFail: false})
}
