import fs from 'node:fs'
import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {listDir, readJson, writeJsonAtomic} from './files.js'

/**
 * What the simulated nginx routes an app's traffic to. Like Dokku's nginx.conf it is written first
 * (`pending/`) and only serves once nginx reloads — and a reload, whoever triggers it, loads every
 * app's written config, as real nginx reads all of them. The router reads the loaded ones.
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

function pendingDir(paths: HostPaths): string {
  return path.join(path.dirname(paths.nginxDir), 'pending')
}

/** The app's new nginx.conf is written; it serves from the next reload on. `liveSince` is set then. */
export function writePendingRoute(paths: HostPaths, route: Omit<LiveRoute, 'liveSince'>): void {
  writeJsonAtomic(path.join(pendingDir(paths), `${route.app}.json`), route)
}

/** A failed `nginx -t`: Dokku puts the app's previous nginx.conf back, so its written config is dropped. */
export function discardPendingRoute(paths: HostPaths, app: string): void {
  fs.rmSync(path.join(pendingDir(paths), `${app}.json`), {force: true})
}

/** `nginx -s reload`: every written config starts serving now. Returns the apps whose route changed. */
export function reloadRoutes(paths: HostPaths, now = Date.now()): string[] {
  const switched: string[] = []
  for (const file of listDir(pendingDir(paths))) {
    if (!file.endsWith('.json')) continue
    const pending = readJson<Omit<LiveRoute, 'liveSince'>>(path.join(pendingDir(paths), file))
    fs.rmSync(path.join(pendingDir(paths), file), {force: true})
    if (!pending) continue
    const existing = readRoute(paths, pending.app)
    // liveSince dates the revision, so a reload onto the same revision keeps it.
    const liveSince = existing && existing.rev === pending.rev ? existing.liveSince : now
    writeRoute(paths, {...pending, liveSince})
    if (!existing || existing.rev !== pending.rev) switched.push(pending.app)
  }
  return switched
}
