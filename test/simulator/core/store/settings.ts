import type {HostPaths} from '../../host/paths.js'
import {readJson, writeJsonAtomic} from './files.js'

/** Per-host knobs, changeable while the simulator runs; every core command reads them afresh. */
export interface HostSettings {
  name: string
  dokkuVersion: string
  /** Gate exit → nginx serving the new revision (about 5 s on the real test host, dokku-observed.md §2). */
  releaseTailMs: number
  /** Uniform jitter added to the release tail: ±this many milliseconds. */
  releaseTailJitterMs: number
  /** Domain for default vhosts: `<app>.<vhostDomain>`. */
  vhostDomain: string
  /** Apps whose next nginx switch fails (`*` for all): the proxy rebuild errors out after the checks passed. */
  nginxSwitchFails: string[]
  /**
   * Apps whose config rebuilds run no `nginx-pre-reload` trigger (`*` for all), as on a Dokku whose
   * nginx-vhosts predates the trigger: the gate's switch point never arrives.
   */
  nginxPreReloadMissing: string[]
  /**
   * The registry servers this host can pull from and push to (`docker.io` for Docker Hub) — the ones
   * it reaches and has logged into; null: every one.
   */
  registries: string[] | null
}

export const DEFAULT_SETTINGS: Omit<HostSettings, 'name'> = {
  dokkuVersion: '0.38.27',
  releaseTailMs: 50,
  releaseTailJitterMs: 0,
  vhostDomain: 'dokku.test',
  nginxSwitchFails: [],
  nginxPreReloadMissing: [],
  registries: null,
}

export function readSettings(paths: HostPaths): HostSettings {
  const stored = readJson<Partial<HostSettings>>(paths.settingsFile) ?? {}
  return {name: 'dokku', ...DEFAULT_SETTINGS, ...stored}
}

export function writeSettings(paths: HostPaths, settings: HostSettings): void {
  writeJsonAtomic(paths.settingsFile, settings)
}

export function updateSettings(paths: HostPaths, change: Partial<HostSettings>): HostSettings {
  const next = {...readSettings(paths), ...change}
  writeSettings(paths, next)
  return next
}
