import type {DokkuCommand} from '../command.js'
import {unexpectedOutput} from './output.js'

export interface DokkuVersion {
  readonly major: number
  readonly minor: number
  readonly patch: number
  /** As printed after `dokku version`, e.g. `0.38.27` or `v0.38.27-33-g33896f5d7` on a source install. */
  readonly raw: string
}

/** The oldest Dokku graduate drives: the builds plugin, DOKKU_BUILD_ID and immediate retirement arrived in 0.38.0 (contract §0). */
export const MINIMUM_DOKKU_VERSION = {major: 0, minor: 38, patch: 0} as const

const VERSION_LINE = /^dokku version (v?(\d+)\.(\d+)\.(\d+)\S*)$/

/** `dokku version` → its parts. */
export function parseDokkuVersion(stdout: string, from: DokkuCommand): DokkuVersion {
  const match = VERSION_LINE.exec(stdout.trim())
  if (match === null) throw unexpectedOutput(from, stdout, 'expected "dokku version <major>.<minor>.<patch>"')
  return {raw: match[1]!, major: Number(match[2]), minor: Number(match[3]), patch: Number(match[4])}
}

export function isSupportedDokku(version: DokkuVersion): boolean {
  const minimum = MINIMUM_DOKKU_VERSION
  if (version.major !== minimum.major) return version.major > minimum.major
  if (version.minor !== minimum.minor) return version.minor > minimum.minor
  return version.patch >= minimum.patch
}
