import pMap from 'p-map'
import {ConnectionError} from '../errors.js'
import {distinctHosts, hostKey} from '../manifest/host.js'
import type {HostSpec} from '../manifest/types.js'
import {describeSettings} from '../ssh/describe-settings.js'
import {displayPath} from '../ssh/display-path.js'
import {gitRemoteUrl} from '../ssh/git-bridge.js'
import {type ConnectionSettings, type SettingsDefaults, settingsFor, systemDefaults} from '../ssh/settings.js'
import type {Transport} from '../ssh/transport.js'
import type {EventBus} from './events.js'
import {DokkuHost} from '../remote/dokku-host.js'

/**
 * The graduation's hosts: one SSH connection each (the transport shares it between every command),
 * opened in parallel. Connecting lets every host finish and reports every failure, as Kamal's
 * complete-all runner does.
 */
export class HostDirectory {
  private readonly connected = new Map<string, DokkuHost>()
  private readonly resolved = new Map<string, ConnectionSettings>()

  constructor(
    private readonly transport: Transport,
    private readonly bus: EventBus,
    private readonly options: {
      connectTimeoutMs: number
      defaults?: SettingsDefaults
      /** --accept-new-host-keys: unknown host keys are accepted and recorded (changed ones never are). */
      acceptNewHostKeys?: boolean
    },
  ) {}

  /** How this run reaches a host (~/.ssh/config included), decided once per host. */
  settings(spec: HostSpec): ConnectionSettings {
    const key = hostKey(spec)
    let settings = this.resolved.get(key)
    if (!settings) {
      const defaults = this.options.defaults ?? systemDefaults()
      settings = settingsFor(spec, {
        ...defaults,
        connectTimeoutMs: this.options.connectTimeoutMs,
        acceptNewHostKeys: this.options.acceptNewHostKeys ?? defaults.acceptNewHostKeys,
      })
      this.resolved.set(key, settings)
    }
    return settings
  }

  /** The git remote of a Dokku app on a host, as that host's connection relays it. */
  remoteUrl(spec: HostSpec, app: string): string {
    return gitRemoteUrl(this.settings(spec), app)
  }

  /** Connects to every distinct host; throws one ConnectionError listing each host that failed. */
  async connectAll(specs: HostSpec[], signal?: AbortSignal): Promise<void> {
    const failures: ConnectionError[] = []
    await pMap(
      distinctHosts(specs),
      async (spec) => {
        try {
          await this.connect(spec, signal)
        } catch (error) {
          failures.push(error instanceof ConnectionError ? error : new ConnectionError(hostKey(spec), String(error), {cause: error}))
        }
      },
      {concurrency: 16},
    )
    if (failures.length === 1) throw failures[0]!
    if (failures.length > 1) {
      throw new ConnectionError(
        `${failures.length} hosts`,
        failures.map((failure) => failure.message + (failure.hint ? ` (${failure.hint})` : '')).join('; '),
        {code: failures[0]!.code, hint: 'fix each host above; nothing was changed on any host'},
      )
    }
  }

  async connect(spec: HostSpec, signal?: AbortSignal): Promise<DokkuHost> {
    const key = hostKey(spec)
    const existing = this.connected.get(key)
    if (existing) return existing
    const settings = this.settings(spec)
    const started = performance.now()
    try {
      const connection = await this.transport.connect(settings, signal)
      const host = new DokkuHost(connection, key)
      this.connected.set(key, host)
      this.bus.emit({type: 'host', host: key, state: 'connected', durationMs: Math.round(performance.now() - started), settings: describeSettings(settings)})
      for (const recorded of connection.recordedHostKeys ?? []) {
        this.bus.emit({
          type: 'warning',
          host: key,
          message: `permanently added ${recorded.name} (${recorded.keyType} ${recorded.fingerprint}) to ${displayPath(recorded.file)}, as --accept-new-host-keys asked`,
        })
      }
      return host
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      this.bus.emit({type: 'host', host: key, state: 'failed', message: message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message})
      throw error
    }
  }

  /** A host connected earlier in this graduation. */
  get(spec: HostSpec): DokkuHost {
    const host = this.connected.get(hostKey(spec))
    if (!host) throw new Error(`graduate bug: ${hostKey(spec)} was used before it was connected`)
    return host
  }
}
