import {fileURLToPath} from 'node:url'
import {GitBridge} from './git-bridge.js'
import {HostPool} from './host-pool.js'
import {loadIdentities} from './identities.js'
import {defaultRetryPolicy, openConnection, type RetryPolicy} from './open-connection.js'
import type {ConnectionSettings} from './settings.js'
import type {HostConnection, Transport} from './transport.js'

export interface NodeSshTransportOptions {
  retry?: RetryPolicy
  /** The compiled git-ssh-helper.js; defaults to the one built next to this module. */
  gitSshHelperPath?: string
}

/**
 * The real Transport: node-ssh (ssh2) connections with strict host-key checking, keepalives and
 * retries for transient network errors; one pool per host (see HostPool), shared by every caller.
 */
export class NodeSshTransport implements Transport {
  private readonly pools = new Map<string, Promise<HostPool>>()
  /** Aborts connections still being opened when closeAll() is called. */
  private closing = new AbortController()
  private readonly bridge: GitBridge
  private readonly retry: RetryPolicy

  constructor(options: NodeSshTransportOptions = {}) {
    this.retry = options.retry ?? defaultRetryPolicy
    this.bridge = new GitBridge(options.gitSshHelperPath ?? fileURLToPath(new URL('./git-ssh-helper.js', import.meta.url)))
  }

  connect(settings: ConnectionSettings, signal?: AbortSignal): Promise<HostConnection> {
    const key = `${settings.user}@${settings.host}:${settings.port}`
    let pool = this.pools.get(key)
    if (!pool) {
      // A host that could not be reached, or whose connection was closed, is connected afresh next time.
      const forget = () => {
        if (this.pools.get(key) === pool) this.pools.delete(key)
      }
      pool = this.startPool(settings, forget, signal)
      this.pools.set(key, pool)
      pool.catch(forget)
    }
    return pool
  }

  async closeAll(): Promise<void> {
    this.closing.abort()
    this.closing = new AbortController()
    const pools = [...this.pools.values()]
    this.pools.clear()
    await Promise.all(pools.map((pool) => pool.then((connected) => connected.close(), () => {})))
    await this.bridge.close()
  }

  private async startPool(settings: ConnectionSettings, onClose: () => void, signal: AbortSignal | undefined): Promise<HostPool> {
    signal?.throwIfAborted()
    const transportClosing = this.closing.signal
    const identities = await loadIdentities(settings)
    const pool = new HostPool(settings, (poolClosing) => openConnection(settings, identities, this.retry, poolClosing), this.bridge, onClose)
    try {
      await pool.start(signal ? AbortSignal.any([signal, transportClosing]) : transportClosing)
    } catch (error) {
      await pool.close()
      throw error
    }
    return pool
  }
}
