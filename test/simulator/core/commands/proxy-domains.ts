import {rebuildConfigWithoutBuild} from '../deploy/nginx.js'
import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {GLOBAL, getProperty, setProperty} from '../store/properties.js'
import {readSettings} from '../store/settings.js'
import {proxyType, vhosts} from '../deploy/scheduler.js'
import {report} from './report.js'

/** proxy:report: `type` is empty on a default host while `computed-type` says nginx (dokku-observed.md §8). */
export const proxyReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'proxy', trimPrefix: true, emitLegacyPrefix: true},
    (app) => {
      const prop = (key: string) => getProperty(ctx.paths, 'proxy', app, key) ?? ''
      const disabled = prop('disabled')
      return {
        '--proxy-computed-disabled': disabled || 'false',
        '--proxy-computed-proxy-port': '80',
        '--proxy-computed-proxy-ssl-port': '',
        '--proxy-computed-type': proxyType(ctx.paths, app),
        '--proxy-disabled': disabled,
        '--proxy-enabled': String(disabled !== 'true'),
        '--proxy-global-proxy-port': '',
        '--proxy-global-proxy-ssl-port': '',
        '--proxy-global-type': getProperty(ctx.paths, 'proxy', GLOBAL, 'type') ?? '',
        '--proxy-proxy-port': '80',
        '--proxy-proxy-ssl-port': '',
        '--proxy-type': prop('type'),
      }
    },
    (app) => verifyApp(ctx.paths, app),
  )

export const proxySet: CoreCommand = (ctx, args) => {
  const app = verifyApp(ctx.paths, args[1])
  const type = args[2]
  if (!type) fail('Please specify a proxy type')
  setProperty(ctx.paths, 'proxy', app, 'type', type)
  ctx.out.info1(`Setting proxy type to ${type}`)
  return 0
}

export const domainsReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'domains', trimPrefix: true, emitLegacyPrefix: false},
    (app) => ({
      '--domains-app-enabled': 'true',
      '--domains-app-vhosts': vhosts(ctx.paths, app).join(' '),
      '--domains-global-enabled': 'true',
      '--domains-global-vhosts': readSettings(ctx.paths).vhostDomain,
    }),
    (app) => verifyApp(ctx.paths, app),
  )

export const domainsSet: CoreCommand = async (ctx, args) => {
  const app = verifyApp(ctx.paths, args[1])
  const domains = args.slice(2)
  setProperty(ctx.paths, 'domains', app, 'vhosts', domains.join('\n'))
  ctx.out.info1(`Set ${domains.join(' ')} for ${app}`)
  // The new vhosts need a proxy rebuild, which fires nginx-pre-reload without a build (observed §10).
  await rebuildConfigWithoutBuild(ctx, app)
  return 0
}
