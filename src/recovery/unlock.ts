import {gateUnlock} from '../dokku/commands/gate.js'
import {PreflightError, UsageError} from '../errors.js'
import {type EnvironmentState, claimedApps} from './environment-state.js'

export interface UnlockPlan {
  env: string
  /** The graduation holding the lock (the first host's holder; normally every host names the same one). */
  id: string | null
  owner: string | null
  hosts: string[]
  /** Apps that graduation still has armed or held with a lease not yet ended: it may still be running. */
  inFlight: string[]
}

export function planUnlock(state: EnvironmentState): UnlockPlan {
  // A host that cannot be asked may hold the lock, or a gate that makes unlocking unsafe.
  if (state.unreachable.length > 0) {
    throw new PreflightError(
      `cannot tell whether ${state.env} is locked: ${state.unreachable.map((host) => `could not ask ${host.host} (${host.message})`).join('; ')}`,
      `fix the connection and run \`graduate unlock ${state.env}\` again; nothing was unlocked`,
    )
  }
  const locked = state.locks.filter(({status}) => status.locked && status.lock)
  const lock = locked[0]?.status.lock ?? null
  const now = Date.now() / 1000
  const inFlight = lock
    ? claimedApps(state, lock.id)
        .filter((app) => (app.gate.state === 'armed' || app.gate.state === 'held') && (app.gate.expiresAt ?? 0) > now)
        .map((app) => `${app.app} (${app.gate.state} on ${app.host.label})`)
    : []
  return {env: state.env, id: lock?.id ?? null, owner: lock?.owner ?? null, hosts: locked.map(({host}) => host.label), inFlight}
}

/**
 * `graduate unlock <env>`: releases an environment lock whose owner is gone. A lock whose graduation
 * still holds gates with live leases is refused without `force`: that graduation may still be running.
 */
export async function unlockEnvironmentLock(state: EnvironmentState, plan: UnlockPlan, options: {force: boolean; commandMs: number}): Promise<string[]> {
  if (plan.inFlight.length > 0 && !options.force) {
    throw new UsageError(
      `graduation ${plan.id} still holds ${plan.inFlight.join(', ')}; it may still be running, and unlocking would let another graduation start on top of it`,
      `wait for it, or if its runner is gone: \`graduate abort ${plan.env}\` (which also releases the lock); --force unlocks anyway`,
    )
  }
  const released: string[] = []
  await Promise.all(
    state.locks
      .filter(({status}) => status.locked && status.lock)
      .map(async ({host, status}) => {
        await host.run(gateUnlock(state.env, status.lock!.id), {timeoutMs: options.commandMs})
        released.push(host.label)
      }),
  )
  return released.sort()
}
