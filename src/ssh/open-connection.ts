import {setTimeout as delay} from 'node:timers/promises'
import {NodeSSH} from 'node-ssh'
import {isTransientConnectError, toConnectionError} from './connect-errors.js'
import {prepareHostKeyCheck} from './host-key-check.js'
import type {Identities} from './identities.js'
import type {ConnectionSettings} from './settings.js'

/** Retries cover transient network trouble only (Kamal's sshkit_with_ext.rb retries the same way). */
export interface RetryPolicy {
  /** Most connection attempts in all. */
  attempts: number
  /** The wait before the second attempt; each later wait doubles. Jittered to between half and all of it. */
  baseDelayMs: number
  /** No retry starts once this much time has passed since the first attempt began. */
  budgetMs: number
}

export const defaultRetryPolicy: RetryPolicy = {attempts: 3, baseDelayMs: 500, budgetMs: 10_000}

/**
 * Opens one authenticated SSH connection whose host key known_hosts vouches for. Rejects with
 * HostKeyError, or ConnectionError naming the host with a hint; or with the signal's reason when aborted.
 */
export async function openConnection(
  settings: ConnectionSettings,
  identities: Identities,
  retry: RetryPolicy,
  signal: AbortSignal,
): Promise<NodeSSH> {
  const started = performance.now()
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted()
    try {
      return await connectOnce(settings, identities, signal)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      const wait = jittered(retry.baseDelayMs * 2 ** (attempt - 1))
      const retryable = isTransientConnectError(error) && attempt < retry.attempts && performance.now() - started + wait < retry.budgetMs
      if (!retryable) throw toConnectionError(error, settings, identities.offered)
      await delay(wait, undefined, {signal})
    }
  }
}

async function connectOnce(settings: ConnectionSettings, identities: Identities, signal: AbortSignal): Promise<NodeSSH> {
  const hostKeys = await prepareHostKeyCheck(settings)
  const ssh = new NodeSSH()
  const connecting = ssh.connect({
    host: settings.host,
    port: settings.port,
    username: settings.user,
    authHandler: identities.methods,
    hostVerifier: (key: Buffer) => hostKeys.verify(key),
    algorithms: {serverHostKey: hostKeys.algorithms},
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: settings.keepaliveIntervalMs,
    keepaliveCountMax: settings.keepaliveCountMax,
  })
  const abort = () => ssh.connection?.destroy()
  signal.addEventListener('abort', abort, {once: true})
  try {
    return await connecting
  } catch (error) {
    ssh.dispose()
    throw hostKeys.refusal() ?? error
  } finally {
    signal.removeEventListener('abort', abort)
  }
}

function jittered(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2)
}
