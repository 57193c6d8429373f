import {formatDuration} from './format.js'

/** Who holds a lock and for how long, as of an event's time: `alice@laptop for 12m 03s (since 2026-11-23T10:03:12.000Z)`. */
export function describeLockHolder(lock: {owner?: string | undefined; since?: string | undefined}, at: string): string {
  const owner = lock.owner ?? 'an unknown owner'
  if (lock.since === undefined) return owner
  const age = Date.parse(at) - Date.parse(lock.since)
  return Number.isNaN(age) ? `${owner} (since ${lock.since})` : `${owner} for ${formatDuration(Math.max(0, age))} (since ${lock.since})`
}
