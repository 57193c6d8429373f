import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {readConfig} from '../store/config-env.js'
import {imageFsDir} from '../store/docker.js'

/**
 * The environment a simulated container runs with: the app's config (GIT_REV among it) as Docker
 * would inject it, Dokku's DYNO/PORT, and a PATH that finds executables in the image's tree first.
 */
export function containerEnv(paths: HostPaths, app: string, imageId: string, extra: Record<string, string>): Record<string, string> {
  const fsDir = imageFsDir(paths, imageId)
  return {
    PATH: `${path.join(fsDir, 'bin')}:${fsDir}:/usr/local/bin:/usr/bin:/bin`,
    HOME: fsDir,
    ...readConfig(paths, app),
    ...extra,
  }
}
