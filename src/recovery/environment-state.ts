import pMap from 'p-map'
import {gateLockStatus, gateStatus} from '../dokku/commands/gate.js'
import {type GateAppStatus, type LockStatus, parseGateStatus, parseLockStatus} from '../dokku/parse/gate.js'
import type {ResolvedEnvironment} from '../manifest/types.js'
import type {HostDirectory} from '../graduation/hosts.js'
import {hostKey} from '../manifest/host.js'
import type {DokkuHost} from '../remote/dokku-host.js'

export interface AppGate {
  /** Manifest name. */
  app: string
  targetApp: string
  host: DokkuHost
  gate: GateAppStatus
}

export interface HostLock {
  host: DokkuHost
  status: LockStatus
}

/** What an environment's hosts say right now: each host's environment lock and each app's gate. */
export interface EnvironmentState {
  env: string
  locks: HostLock[]
  apps: AppGate[]
  /** Hosts that could not be asked, with why. */
  unreachable: Array<{host: string; message: string}>
}

/**
 * Reads the environment's state from its hosts' own gate and lock files — not from a local journal,
 * which may be on another machine. A host that cannot be reached is reported, not fatal.
 */
export async function readEnvironmentState(env: ResolvedEnvironment, hosts: HostDirectory, commandMs: number): Promise<EnvironmentState> {
  const state: EnvironmentState = {env: env.name, locks: [], apps: [], unreachable: []}
  await pMap(
    env.hosts,
    async (spec) => {
      let host: DokkuHost
      try {
        host = await hosts.connect(spec)
      } catch (error) {
        state.unreachable.push({host: hostKey(spec), message: error instanceof Error ? error.message : String(error)})
        return
      }
      const apps = env.apps.filter((app) => hostKey(app.host) === hostKey(spec))
      try {
        const lockCommand = gateLockStatus(env.name)
        state.locks.push({host, status: parseLockStatus((await host.run(lockCommand, {timeoutMs: commandMs, readOnly: true})).stdout, lockCommand)})
        const statusCommand = gateStatus(apps.map((app) => app.app))
        const status = parseGateStatus((await host.run(statusCommand, {timeoutMs: commandMs, readOnly: true})).stdout, statusCommand)
        for (const gate of status.apps) {
          const app = apps.find((candidate) => candidate.app === gate.app)
          if (app) state.apps.push({app: app.name, targetApp: app.app, host, gate})
        }
      } catch (error) {
        state.unreachable.push({host: host.label, message: error instanceof Error ? error.message : String(error)})
      }
    },
    {concurrency: 16},
  )
  state.locks.sort((a, b) => a.host.label.localeCompare(b.host.label))
  state.apps.sort((a, b) => env.apps.findIndex((app) => app.name === a.app) - env.apps.findIndex((app) => app.name === b.app))
  return state
}

/** Apps some graduation has a claim on: armed, held, or decided but not yet disarmed. */
export function claimedApps(state: EnvironmentState, id?: string): AppGate[] {
  return state.apps.filter((app) => app.gate.state !== 'unarmed' && (id === undefined || app.gate.id === id))
}

/** The graduation ids present in the environment's locks and gates. */
export function graduationIds(state: EnvironmentState): string[] {
  const ids = new Set<string>()
  for (const {status} of state.locks) if (status.lock) ids.add(status.lock.id)
  for (const app of claimedApps(state)) if (app.gate.id) ids.add(app.gate.id)
  return [...ids].sort()
}
