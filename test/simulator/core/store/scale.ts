import type {HostPaths} from '../../host/paths.js'
import type {AppTree} from '../deploy/app-tree.js'
import {getProperty, setProperty} from './properties.js'

/** The ps plugin's `scale` property: `type=N` lines (plugins/ps/functions.go, updateScale). */
export function readScale(paths: HostPaths, app: string): Record<string, number> {
  const scale: Record<string, number> = {}
  for (const line of (getProperty(paths, 'ps', app, 'scale') ?? '').split('\n')) {
    const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(line.trim())
    if (match) scale[match[1]!] = Number(match[2])
  }
  return scale
}

export function writeScale(paths: HostPaths, app: string, scale: Record<string, number>): void {
  setProperty(
    paths,
    'ps',
    app,
    'scale',
    Object.entries(scale)
      .map(([type, quantity]) => `${type}=${quantity}`)
      .join('\n'),
  )
}

/**
 * What app-json's post-release-builder leaves: app.json `formation` quantities applied, every other
 * Procfile type kept at its scale, new types at 0 — except `web`, which starts at 1.
 */
export function applyFormation(paths: HostPaths, app: string, tree: AppTree): Record<string, number> {
  const current = readScale(paths, app)
  const next: Record<string, number> = {}
  for (const type of Object.keys(tree.processTypes)) {
    const fromFormation = tree.formation[type]?.quantity
    next[type] = fromFormation ?? current[type] ?? (type === 'web' ? 1 : 0)
  }
  writeScale(paths, app, next)
  return next
}
