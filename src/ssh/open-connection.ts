import type {Duplex} from 'node:stream'
import {setTimeout as delay} from 'node:timers/promises'
import {NodeSSH} from 'node-ssh'
import {ConnectionError, HostKeyError} from '../errors.js'
import {isTransientConnectError, toConnectionError} from './connect-errors.js'
import {prepareHostKeyCheck, type RecordedHostKey} from './host-key-check.js'
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

/** One host on the way: a ProxyJump host, or the destination itself (always last). */
export interface Hop {
  settings: ConnectionSettings
  identities: Identities
}

/** Something went wrong at one hop; the retry loop decides on the raw error, the message names the hop. */
class HopFailure extends Error {
  constructor(
    readonly hop: Hop,
    readonly raw: unknown,
  ) {
    super('connection attempt failed at one hop')
  }
}

/**
 * Opens one authenticated SSH connection to the last hop, through the ones before it (ProxyJump: each a
 * direct-tcpip channel of the one before, each host key checked against its own known_hosts), retrying
 * the whole route on transient network errors. Closing the connection closes the tunnels under it.
 * Rejects with HostKeyError, or ConnectionError naming the hop at fault with a hint; or with the
 * signal's reason when aborted.
 */
export async function openConnection(route: Hop[], retry: RetryPolicy, signal: AbortSignal, onRecorded: (key: RecordedHostKey) => void = () => {}): Promise<NodeSSH> {
  const started = performance.now()
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted()
    try {
      return await connectRoute(route, signal, onRecorded)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      const {hop, raw} = error instanceof HopFailure ? error : {hop: route.at(-1)!, raw: error}
      const wait = jittered(retry.baseDelayMs * 2 ** (attempt - 1))
      const retryable = isTransientConnectError(raw) && attempt < retry.attempts && performance.now() - started + wait < retry.budgetMs
      if (!retryable) throw describeFailure(raw, hop, route.at(-1)!)
      await delay(wait, undefined, {signal})
    }
  }
}

async function connectRoute(route: Hop[], signal: AbortSignal, onRecorded: (key: RecordedHostKey) => void): Promise<NodeSSH> {
  const opened: NodeSSH[] = []
  try {
    let sock: Duplex | undefined
    for (const [index, hop] of route.entries()) {
      const ssh = await connectHop(hop, sock, signal, onRecorded)
      opened.push(ssh)
      const next = route[index + 1]
      if (next) sock = await tunnel(ssh, hop, next.settings)
    }
    const target = opened.at(-1)!
    const tunnels = opened.slice(0, -1).reverse()
    if (tunnels.length > 0) target.connection?.once('close', () => tunnels.forEach((ssh) => ssh.dispose()))
    return target
  } catch (error) {
    for (const ssh of opened.reverse()) ssh.dispose()
    throw error
  }
}

async function connectHop(hop: Hop, sock: Duplex | undefined, signal: AbortSignal, onRecorded: (key: RecordedHostKey) => void): Promise<NodeSSH> {
  const {settings, identities} = hop
  let hostKeys
  try {
    hostKeys = await prepareHostKeyCheck(settings)
  } catch (error) {
    throw new HopFailure(hop, error)
  }
  const ssh = new NodeSSH()
  const connecting = ssh.connect({
    ...(sock ? {sock} : {host: settings.host, port: settings.port}),
    username: settings.user,
    authHandler: identities.methods,
    hostVerifier: (key: Buffer, verify: (accepted: boolean) => void) => hostKeys.verify(key, verify),
    algorithms: {serverHostKey: hostKeys.algorithms},
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: settings.keepaliveIntervalMs,
    keepaliveCountMax: settings.keepaliveCountMax,
  })
  const abort = () => ssh.connection?.destroy()
  signal.addEventListener('abort', abort, {once: true})
  try {
    await connecting
  } catch (error) {
    ssh.dispose()
    throw new HopFailure(hop, hostKeys.refusal() ?? error)
  } finally {
    signal.removeEventListener('abort', abort)
  }
  const recorded = hostKeys.recorded()
  if (recorded) onRecorded(recorded)
  return ssh
}

/** A direct-tcpip channel from the jump host to the next hop: what `ssh -W host:port` asks for. */
function tunnel(ssh: NodeSSH, hop: Hop, next: ConnectionSettings): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const client = ssh.connection
    if (!client) return reject(new HopFailure(hop, new Error('the connection closed as soon as it opened')))
    client.forwardOut('127.0.0.1', 0, next.host, next.port, (error, channel) => {
      if (!error) return resolve(channel)
      reject(
        new HopFailure(
          hop,
          new ConnectionError(hop.settings.label, `the jump host did not open a tunnel to ${next.host} port ${next.port}: ${error.message}`, {
            code: 'jump_refused',
            hint: `the jump host must allow TCP forwarding (AllowTcpForwarding in its sshd_config) and reach ${next.host} port ${next.port}`,
            cause: error,
          }),
        ),
      )
    })
  })
}

/** The error to report: a jump host's own failure says which jump host, and on the way where. */
function describeFailure(raw: unknown, hop: Hop, target: Hop): ConnectionError {
  const error = toConnectionError(raw, hop.settings, hop.identities.offered)
  if (hop === target || error instanceof HostKeyError) return error
  const ownMessage = error.message.startsWith(`${hop.settings.label}: `) ? error.message.slice(hop.settings.label.length + 2) : error.message
  return new ConnectionError(target.settings.label, `jump host ${hop.settings.label}: ${ownMessage}`, {
    code: error.code,
    ...(error.hint === undefined ? {} : {hint: error.hint}),
    cause: error,
  })
}

function jittered(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2)
}
