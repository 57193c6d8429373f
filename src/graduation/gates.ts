import {setTimeout as sleep} from 'node:timers/promises'
import {gateAbort, gateArmApps, gateRelease, gateRenew, gateStatus} from '../dokku/commands/gate.js'
import {type GateAppStatus, parseGateStatus} from '../dokku/parse/gate.js'
import type {EventBus} from './events.js'
import type {LockSpec} from './lock.js'
import {refreshLock} from './lock.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import {settleAndDisarm} from './settle-gates.js'

/** How long disarming waits for deploys that are still ending after their push client has gone. */
const DISARM_GRACE_MS = 60_000

/** The apps graduation `id` armed on one host, by their Dokku names. */
export interface HostGates {
  host: DokkuHost
  apps: string[]
}

export interface DecisionFailure {
  host: string
  apps: string[]
  error: Error
  /** When the host's gates end the hold on their own (their lease as last renewed). */
  leaseEndsAt: Date
}

/**
 * Talks to the gate plugin on every target host for one graduation: arming, the lease renewals
 * (batched: one command per host, a third of a lease apart), reading gate state, and sending the
 * decision to every host at once. It remembers when each host's leases end, so a host that cannot
 * be told can be reported with the time its gates give up on their own.
 */
export class GateCoordinator {
  private renewTimer: NodeJS.Timeout | undefined
  private renewing: Promise<void> | undefined
  /** After the decision only the lock is refreshed: a decided gate's lease is not renewed (PROTOCOL.md). */
  private decided = false
  private readonly leaseEnds = new Map<string, number>()

  constructor(
    private readonly id: string,
    private readonly hosts: HostGates[],
    private readonly options: {leaseSeconds: number; switchWaitSeconds: number; commandMs: number; bus: EventBus; lock: LockSpec},
  ) {}

  /**
   * Arms every app for this graduation (idempotent on the host): one command per host for all its apps,
   * which the gate arms in parallel. Preflight has read what arming needs to know (the apps exist).
   */
  async arm(revisions: Map<string, string>): Promise<void> {
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        const sent = Date.now()
        const command = gateArmApps(this.id, this.options.leaseSeconds, this.options.switchWaitSeconds, apps.map((app) => [app, revisions.get(`${host.label}/${app}`)!] as const))
        await host.run(command, {timeoutMs: this.options.commandMs})
        this.leaseEnds.set(host.label, sent + this.options.leaseSeconds * 1000)
      }),
    )
  }

  /** The graduation these gates are armed for. */
  get graduationId(): string {
    return this.id
  }

  startRenewals(): void {
    const periodMs = Math.max(1000, (this.options.leaseSeconds * 1000) / 3)
    this.renewTimer = setInterval(() => {
      if (this.renewing) return
      this.renewing = this.renewAll().finally(() => (this.renewing = undefined))
    }, periodMs)
  }

  async stopRenewals(): Promise<void> {
    clearInterval(this.renewTimer)
    this.renewTimer = undefined
    await this.renewing
  }

  /** When the host's gates end their holds on their own, as far as this runner knows (its last renewal). */
  leaseEndsAt(host: string): Date {
    return new Date(this.leaseEnds.get(host) ?? Date.now() + this.options.leaseSeconds * 1000)
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        const sent = Date.now()
        try {
          if (!this.decided) {
            await host.run(gateRenew(this.id, apps), {timeoutMs: this.options.commandMs})
            this.leaseEnds.set(host.label, sent + this.options.leaseSeconds * 1000)
          }
          await refreshLock(host, this.options.lock)
        } catch (error) {
          this.options.bus.emit({
            type: 'warning',
            host: host.label,
            message: `could not renew the lease: ${message(error)}; unless a renewal gets through, its gates end their holds on their own at ${this.leaseEndsAt(host.label).toISOString()}`,
          })
        }
      }),
    )
  }

  /** Gate state of every armed app (of the hosts named, when given), by `host/app`. Hosts that cannot answer are left out. */
  async status(signal?: AbortSignal, onlyHosts?: ReadonlySet<string>): Promise<Map<string, GateAppStatus>> {
    const statuses = new Map<string, GateAppStatus>()
    await Promise.all(
      this.hosts.filter(({host}) => onlyHosts === undefined || onlyHosts.has(host.label)).map(async ({host, apps}) => {
        try {
          const command = gateStatus(apps)
          const result = await host.run(command, {timeoutMs: this.options.commandMs, readOnly: true, ...(signal ? {signal} : {})})
          for (const app of parseGateStatus(result.stdout, command).apps) statuses.set(`${host.label}/${app.app}`, app)
        } catch (error) {
          if (!signal?.aborted) this.options.bus.emit({type: 'warning', host: host.label, message: `could not read gate state: ${message(error)}`})
        }
      }),
    )
    return statuses
  }

  /**
   * Sends the decision to every host at once. A release that does not get through is sent again until
   * that host's leases would end — after that the gates have aborted on their own and nothing can be
   * released; an abort is tried a few times, since a gate that cannot be told aborts on its own anyway.
   * Returns the hosts that could not be told; `onHost` hears about each host as soon as it is settled.
   */
  async decide(decision: 'release' | 'abort', onHost?: (host: string, delivered: boolean) => void): Promise<DecisionFailure[]> {
    this.decided = true
    const failures: DecisionFailure[] = []
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        const command = decision === 'release' ? gateRelease(this.id, apps) : gateAbort(this.id, apps)
        const giveUpAt = decision === 'release' ? (this.leaseEnds.get(host.label) ?? Date.now()) : Date.now() + 3 * 1000
        for (let attempt = 1; ; attempt++) {
          try {
            await host.run(command, {timeoutMs: this.options.commandMs})
            onHost?.(host.label, true)
            return
          } catch (error) {
            const wait = Math.min(5000, 500 * 2 ** (attempt - 1))
            if (Date.now() + wait >= giveUpAt) {
              failures.push({host: host.label, apps, error: error instanceof Error ? error : new Error(String(error)), leaseEndsAt: this.leaseEndsAt(host.label)})
              onHost?.(host.label, false)
              return
            }
            this.options.bus.emit({type: 'warning', host: host.label, message: `could not send the ${decision} (${message(error)}); trying again`})
            await sleep(wait)
          }
        }
      }),
    )
    return failures
  }

  /** The released apps, by host, for the switch. */
  get armed(): readonly HostGates[] {
    return this.hosts
  }

  /**
   * Ends the graduation's claim on its apps once their deploys are over (the gate restores any app not
   * released). A deploy may hold Dokku's deploy lock a moment after its client has gone (an aborted
   * deploy restoring its branches and removing its containers), so a refusal is asked again until
   * `deadline`.
   */
  async disarm(deadline = Date.now() + DISARM_GRACE_MS): Promise<void> {
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        try {
          const left = await settleAndDisarm(host, this.id, apps, {commandMs: this.options.commandMs, deadline})
          if (left.length > 0) this.warnNotDisarmed(host.label, left, 'their deploys were still running')
        } catch (error) {
          this.warnNotDisarmed(host.label, apps, message(error))
        }
      }),
    )
  }

  private warnNotDisarmed(host: string, apps: string[], why: string): void {
    this.options.bus.emit({type: 'warning', host, message: `could not disarm the gates of ${apps.join(', ')}: ${why}; their claim ends when the lease expires`})
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
