import type {HostPaths} from '../../host/paths.js'
import {GLOBAL, computedProperty, getProperty} from './properties.js'

/** getRegistryServerForApp: app then global, Docker Hub spelled as '', otherwise with one trailing slash. */
export function registryServer(paths: HostPaths, app: string): string {
  const value = (getProperty(paths, 'registry', app, 'server') || getProperty(paths, 'registry', GLOBAL, 'server') || '').trim().replace(/\/$/, '')
  if (value === '' || value === 'hub.docker.com' || value === 'docker.io') return ''
  return `${value}/`
}

/** image-repo-template of the app, else the global one; '' when neither is set. */
export function imageRepoTemplate(paths: HostPaths, app: string): string {
  return (getProperty(paths, 'registry', app, 'image-repo-template') ?? '').trim() || (getProperty(paths, 'registry', GLOBAL, 'image-repo-template') ?? '')
}

/**
 * reportComputedImageRepo: the app's image-repo, else its template rendered, else `dokku/<app>`. The
 * template is a Go text/template; the simulator renders its one documented field, `{{ .AppName }}`.
 */
export function computedImageRepo(paths: HostPaths, app: string): string {
  const own = (getProperty(paths, 'registry', app, 'image-repo') ?? '').trim()
  if (own) return own
  const rendered = imageRepoTemplate(paths, app).replace(/\{\{-?\s*\.AppName\s*-?\}\}/g, app).trim()
  return rendered || `dokku/${app}`
}

export function pushOnRelease(paths: HostPaths, app: string): boolean {
  return computedProperty(paths, 'registry', app, 'push-on-release', 'false') === 'true'
}

/** The tag of the last release pushed ('' before the first). */
export function tagVersion(paths: HostPaths, app: string): string {
  return (getProperty(paths, 'registry', app, 'tag-version') ?? '').trim()
}
