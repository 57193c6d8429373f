import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {GLOBAL, computedProperty, deleteProperty, getProperty, setProperty} from '../store/properties.js'
import {computedImageRepo, imageRepoTemplate, registryServer, tagVersion} from '../store/registry-settings.js'
import {report} from './report.js'

const APP_PROPERTIES = ['image-repo', 'image-repo-template', 'push-extra-tags', 'push-on-release', 'server']
const GLOBAL_PROPERTIES = ['image-repo-template', 'push-extra-tags', 'push-on-release', 'server']

/** registry:report (plugins/registry/report.go): prefix trimmed, legacy keys kept. */
export const registryReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'registry', trimPrefix: true, emitLegacyPrefix: true},
    (app) => {
      const own = (key: string): string => getProperty(ctx.paths, 'registry', app, key) ?? ''
      const global = (key: string): string => getProperty(ctx.paths, 'registry', GLOBAL, key) ?? ''
      return {
        '--registry-computed-image-repo': computedImageRepo(ctx.paths, app),
        '--registry-image-repo': own('image-repo'),
        '--registry-computed-push-on-release': computedProperty(ctx.paths, 'registry', app, 'push-on-release', 'false'),
        '--registry-global-push-on-release': global('push-on-release'),
        '--registry-push-on-release': own('push-on-release'),
        '--registry-computed-server': registryServer(ctx.paths, app),
        '--registry-global-server': global('server'),
        '--registry-server': own('server'),
        '--registry-computed-image-repo-template': imageRepoTemplate(ctx.paths, app),
        '--registry-global-image-repo-template': global('image-repo-template'),
        '--registry-image-repo-template': own('image-repo-template'),
        '--registry-tag-version': tagVersion(ctx.paths, app),
        '--registry-push-extra-tags': own('push-extra-tags'),
        '--registry-global-push-extra-tags': global('push-extra-tags'),
        '--registry-computed-push-extra-tags': own('push-extra-tags') || global('push-extra-tags'),
      }
    },
    (app) => verifyApp(ctx.paths, app),
  )

/** registry:set <app>|--global <property> [<value>]: an empty value unsets, as Dokku's CommandPropertySet does. */
export const registrySet: CoreCommand = (ctx, args) => {
  const isGlobal = args[1] === GLOBAL
  const app = isGlobal ? GLOBAL : verifyApp(ctx.paths, args[1])
  const [key, value] = args.slice(2)
  const valid = isGlobal ? GLOBAL_PROPERTIES : APP_PROPERTIES
  if (!key || !valid.includes(key)) fail(`Invalid property specified, valid properties include: ${valid.join(', ')}`)
  if (value) {
    ctx.out.info1(`Setting ${key} to ${value}`)
    setProperty(ctx.paths, 'registry', app, key, value)
  } else {
    ctx.out.info1(`Unsetting ${key}`)
    deleteProperty(ctx.paths, 'registry', app, key)
  }
  return 0
}
