import {fileURLToPath} from 'node:url'
import {GitBridge} from './git-bridge.js'
import {HostPool} from './host-pool.js'
import {ConnectionError} from '../errors.js'
import type {RecordedHostKey} from './host-key-check.js'
import {loadIdentities} from './identities.js'
import {defaultRetryPolicy, type Hop, openConnection, type RetryPolicy} from './open-connection.js'
import {defaultPassphraseSource, type PassphraseSource} from './passphrases.js'
import type {ConnectionSettings} from './settings.js'
import type {HostConnection, Transport} from './transport.js'

export interface NodeSshTransportOptions {
  retry?: RetryPolicy
  /** The compiled git-ssh-helper.js; defaults to the one built next to this module. */
  gitSshHelperPath?: string
  /** Unlocks encrypted identity files; default: GRADUATE_SSH_PASSPHRASE, else a prompt on a terminal. */
  passphrases?: PassphraseSource
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
  private readonly passphrases: PassphraseSource

  constructor(options: NodeSshTransportOptions = {}) {
    this.retry = options.retry ?? defaultRetryPolicy
    this.passphrases = options.passphrases ?? defaultPassphraseSource()
    this.bridge = new GitBridge(options.gitSshHelperPath ?? fileURLToPath(new URL('./git-ssh-helper.js', import.meta.url)))
  }

  connect(settings: ConnectionSettings, signal?: AbortSignal): Promise<HostConnection> {
    // The same destination reached another way (other jump hosts) is another connection.
    const key = [...settings.jumpHosts, settings].map((hop) => `${hop.user}@${hop.host}:${hop.port}`).join(' > ')
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
    refuseUnsupported(settings)
    // Each hop's keys are read (and passphrases asked for) once, before the first connection.
    const route: Hop[] = []
    for (const hop of [...settings.jumpHosts, settings]) route.push({settings: hop, identities: await loadIdentities(hop, this.passphrases)})
    const recorded: RecordedHostKey[] = []
    const pool = new HostPool(settings, (poolClosing) => openConnection(route, this.retry, poolClosing, (key) => recorded.push(key)), this.bridge, onClose, recorded)
    try {
      await pool.start(signal ? AbortSignal.any([signal, transportClosing]) : transportClosing)
    } catch (error) {
      await pool.close()
      throw error
    }
    return pool
  }
}

/** ~/.ssh/config asks for something graduate cannot do as ssh would: connecting differently would be worse than not at all. */
function refuseUnsupported(settings: ConnectionSettings): void {
  const problems = [...settings.jumpHosts.flatMap((hop) => hop.problems.map((problem) => `${hop.label}: ${problem}`)), ...settings.problems]
  if (problems.length === 0) return
  throw new ConnectionError(settings.label, `cannot connect as ssh would: ${problems.join('; ')}`, {
    code: 'ssh_config_unsupported',
    hint: 'change ~/.ssh/config for this host (a Host section that only graduate\'s hosts match can override it), or give the host\'s address, user and port in the manifest',
  })
}
