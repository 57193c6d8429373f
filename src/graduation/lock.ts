import {gateLock, gateLockStatus, gateUnlock} from '../dokku/commands/gate.js'
import {parseLockAttempt, parseLockStatus, type EnvironmentLock} from '../dokku/parse/gate.js'
import {LockHeldError} from '../errors.js'
import type {EventBus} from './events.js'
import type {DokkuHost} from '../remote/dokku-host.js'

export interface LockSpec {
  env: string
  id: string
  owner: string
  ttlSeconds: number
  commandMs: number
}

/**
 * Phase 3: the environment lock on every target host, all-or-nothing — if any host refuses, the locks
 * already taken are released and the graduation stops with exit 4 naming the holder. An expired lock is
 * taken over, with a warning. The hosts are put in a fixed order (by host key) and the first is locked
 * alone: two graduations of the environment racing each other meet there, and only one goes on. The
 * winner then takes the others at once, one round trip for any number of hosts.
 */
export async function lockEnvironment(hosts: DokkuHost[], spec: LockSpec, bus: EventBus): Promise<DokkuHost[]> {
  const ordered = [...hosts].sort((a, b) => a.label.localeCompare(b.label))
  const [first, ...rest] = ordered
  if (first === undefined) return []
  const take = async (host: DokkuHost): Promise<EnvironmentLock | undefined> => {
    const command = gateLock(spec.env, spec.id, spec.ttlSeconds, spec.owner)
    const attempt = parseLockAttempt((await host.run(command, {timeoutMs: spec.commandMs})).stdout, command)
    if (!attempt.acquired) return attempt.lock
    if (attempt.replaced) {
      bus.emit({type: 'lock', host: host.label, state: 'taken-over', owner: attempt.replaced.owner, since: new Date(attempt.replaced.acquiredAt * 1000).toISOString()})
      bus.emit({type: 'warning', host: host.label, message: `took over an expired lock of ${spec.env} held by ${attempt.replaced.owner} (graduation ${attempt.replaced.id}); its owner stopped renewing it`})
    } else {
      bus.emit({type: 'lock', host: host.label, state: 'acquired', owner: spec.owner})
    }
    return undefined
  }
  const firstHeld = await take(first)
  if (firstHeld !== undefined) throw refused(first, firstHeld)
  const attempts = await Promise.allSettled(rest.map(take))
  const taken = [first, ...rest.filter((_, index) => attempts[index]!.status === 'fulfilled' && (attempts[index] as PromiseFulfilledResult<EnvironmentLock | undefined>).value === undefined)]
  // The first host in order that did not give its lock decides the error.
  for (const [index, attempt] of attempts.entries()) {
    if (attempt.status === 'fulfilled' && attempt.value === undefined) continue
    await unlockEnvironment(taken, spec, bus)
    if (attempt.status === 'rejected') throw attempt.reason
    throw refused(rest[index]!, attempt.value!)
  }
  return ordered

  function refused(host: DokkuHost, lock: EnvironmentLock): LockHeldError {
    bus.emit({type: 'lock', host: host.label, state: 'held', owner: lock.owner, since: new Date(lock.acquiredAt * 1000).toISOString()})
    return lockHeld(spec.env, host.label, lock)
  }
}

/**
 * For a dry run, which takes no lock: reads it on every target host and warns where another graduation
 * holds it, since a real run now would stop there with exit 4. A host whose lock cannot be read is a warning too.
 */
export async function warnIfLocked(hosts: DokkuHost[], spec: LockSpec, bus: EventBus): Promise<void> {
  const command = gateLockStatus(spec.env)
  await Promise.all(
    hosts.map(async (host) => {
      try {
        const status = parseLockStatus((await host.run(command, {timeoutMs: spec.commandMs, readOnly: true})).stdout, command)
        if (!status.locked || status.expired || status.lock === null) return
        bus.emit({type: 'warning', host: host.label, message: `${lockHeld(spec.env, host.label, status.lock).message}; a graduation now would stop there (exit 4)`})
      } catch (error) {
        bus.emit({type: 'warning', host: host.label, message: `could not read the ${spec.env} lock: ${error instanceof Error ? error.message : String(error)}`})
      }
    }),
  )
}

/** Refreshes the lock's expiry (re-locking with the same id), as the gates' leases are renewed. */
export async function refreshLock(host: DokkuHost, spec: LockSpec): Promise<void> {
  const command = gateLock(spec.env, spec.id, spec.ttlSeconds, spec.owner)
  const attempt = parseLockAttempt((await host.run(command, {timeoutMs: spec.commandMs})).stdout, command)
  if (!attempt.acquired) throw lockHeld(spec.env, host.label, attempt.lock)
}

/** Releases the lock everywhere it was taken; a host that cannot be told is reported, the rest still released. */
export async function unlockEnvironment(hosts: DokkuHost[], spec: LockSpec, bus: EventBus): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      try {
        await host.run(gateUnlock(spec.env, spec.id), {timeoutMs: spec.commandMs})
        bus.emit({type: 'lock', host: host.label, state: 'released'})
      } catch (error) {
        bus.emit({
          type: 'warning',
          host: host.label,
          message: `could not release the ${spec.env} lock: ${error instanceof Error ? error.message : String(error)}; it expires on its own within ${spec.ttlSeconds} s`,
        })
      }
    }),
  )
}

function lockHeld(env: string, host: string, lock: EnvironmentLock): LockHeldError {
  const age = Math.max(0, Math.round(Date.now() / 1000 - lock.acquiredAt))
  const expiresIn = Math.max(0, Math.round(lock.expiresAt - Date.now() / 1000))
  return new LockHeldError(
    `${env} is locked on ${host} by ${lock.owner} (graduation ${lock.id}), taken ${formatAge(age)} ago, expires in ${formatAge(expiresIn)}`,
    `wait for that graduation to finish; if its owner is gone, \`graduate unlock ${env}\` releases the lock`,
  )
}

function formatAge(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}
