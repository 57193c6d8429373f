import {gateAbort, gateArm, gateDisarm, gateRelease, gateRenew, gateStatus} from '../dokku/commands/gate.js'
import {type GateAppStatus, parseGateStatus} from '../dokku/parse/gate.js'
import type {EventBus} from './events.js'
import type {LockSpec} from './lock.js'
import {refreshLock} from './lock.js'
import type {DokkuHost} from './remote.js'

/** The apps graduation `id` armed on one host, by their Dokku names. */
export interface HostGates {
  host: DokkuHost
  apps: string[]
}

export interface DecisionFailure {
  host: string
  apps: string[]
  error: Error
}

/**
 * Talks to the gate plugin on every target host for one graduation: arming, the lease renewals
 * (batched: one command per host), reading gate state, and sending the decision to all hosts at once.
 */
export class GateCoordinator {
  private renewTimer: NodeJS.Timeout | undefined
  private renewing: Promise<void> | undefined
  /** After the decision only the lock is refreshed: a decided gate's lease is not renewed (PROTOCOL.md). */
  private decided = false

  constructor(
    private readonly id: string,
    private readonly hosts: HostGates[],
    private readonly options: {leaseSeconds: number; commandMs: number; bus: EventBus; lock: LockSpec},
  ) {}

  /** Arms every app for this graduation (idempotent on the host). */
  async arm(revisions: Map<string, string>): Promise<void> {
    await Promise.all(
      this.hosts.flatMap(({host, apps}) =>
        apps.map((app) => host.run(gateArm(app, this.id, revisions.get(`${host.label}/${app}`)!, this.options.leaseSeconds), {timeoutMs: this.options.commandMs})),
      ),
    )
  }

  /**
   * Renews every lease (and the environment lock) a third of a lease period apart, so a runner that
   * dies leaves gates that abort on their own within one lease.
   */
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

  private async renewAll(): Promise<void> {
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        try {
          if (!this.decided) await host.run(gateRenew(this.id, apps), {timeoutMs: this.options.commandMs})
          await refreshLock(host, this.options.lock)
        } catch (error) {
          this.options.bus.emit({type: 'warning', host: host.label, message: `could not renew the gates' lease: ${message(error)}; they abort on their own if this persists for ${this.options.leaseSeconds} s`})
        }
      }),
    )
  }

  /** Gate state of every armed app, by `host/app`. Hosts that cannot answer are left out. */
  async status(signal?: AbortSignal): Promise<Map<string, GateAppStatus>> {
    const statuses = new Map<string, GateAppStatus>()
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
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

  /** Sends the decision to every host at once; returns the hosts that could not be told. */
  async decide(decision: 'release' | 'abort', only?: Set<string>): Promise<DecisionFailure[]> {
    this.decided = true
    const failures: DecisionFailure[] = []
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        const targets = only ? apps.filter((app) => only.has(`${host.label}/${app}`)) : apps
        if (targets.length === 0) return
        const command = decision === 'release' ? gateRelease(this.id, targets) : gateAbort(this.id, targets)
        try {
          await host.run(command, {timeoutMs: this.options.commandMs})
        } catch (error) {
          failures.push({host: host.label, apps: targets, error: error instanceof Error ? error : new Error(String(error))})
        }
      }),
    )
    return failures
  }

  /** Ends the graduation's claim on its apps once their deploys are over (the gate restores any app not released). */
  async disarm(): Promise<void> {
    await Promise.all(
      this.hosts.map(async ({host, apps}) => {
        try {
          await host.run(gateDisarm(this.id, apps), {timeoutMs: this.options.commandMs})
        } catch (error) {
          this.options.bus.emit({type: 'warning', host: host.label, message: `could not disarm the gates of ${apps.join(', ')}: ${message(error)}; their claim ends when the lease expires`})
        }
      }),
    )
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
