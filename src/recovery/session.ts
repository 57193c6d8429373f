import type {HostDirectory} from '../graduation/hosts.js'
import {loadManifest, resolveEnvironment} from '../manifest/index.js'
import type {Manifest, ResolvedEnvironment} from '../manifest/types.js'
import {withSession} from '../session.js'
import {warningsOnStderr} from '../ui/stderr-warnings.js'

export interface ManifestSession {
  manifest: Manifest
  hosts: HostDirectory
  commandMs: number
}

export interface EnvironmentSession extends ManifestSession {
  env: ResolvedEnvironment
}

export interface SessionOptions {
  /** --accept-new-host-keys: an unknown host key is accepted and recorded (a changed one never is). */
  acceptNewHostKeys?: boolean | undefined
}

/**
 * Runs `work` with the manifest loaded (nothing is contacted if it is wrong) and a directory of
 * connections opened as needed — all closed at the end.
 */
export async function withManifest<T>(manifestPath: string, work: (session: ManifestSession) => Promise<T>, options: SessionOptions = {}): Promise<T> {
  const manifest = await loadManifest(manifestPath)
  return withSession({bus: warningsOnStderr('-', '-'), connectTimeoutMs: manifest.options.timeouts.connectMs, acceptNewHostKeys: options.acceptNewHostKeys}, (hosts) =>
    work({manifest, hosts, commandMs: manifest.options.timeouts.commandMs}),
  )
}

/** `withManifest` for one environment of it. */
export function withEnvironment<T>(manifestPath: string, environment: string, work: (session: EnvironmentSession) => Promise<T>, options: SessionOptions = {}): Promise<T> {
  return withManifest(manifestPath, (session) => work({...session, env: resolveEnvironment(session.manifest, environment)}), options)
}
