import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {readJson, writeJsonAtomic} from './files.js'

/**
 * What the simulated nginx routes an app's traffic to: written when Dokku would rebuild the proxy
 * config ("Triggering early nginx proxy rebuild"), read by the router on every request.
 */
export interface LiveRoute {
  app: string
  rev: string
  image: string
  containers: string[]
  /** Epoch milliseconds when this revision started taking traffic. */
  liveSince: number
}

function routeFile(paths: HostPaths, app: string): string {
  return path.join(paths.nginxDir, `${app}.json`)
}

export function readRoute(paths: HostPaths, app: string): LiveRoute | undefined {
  return readJson<LiveRoute>(routeFile(paths, app))
}

export function writeRoute(paths: HostPaths, route: LiveRoute): void {
  writeJsonAtomic(routeFile(paths, route.app), route)
}
