import {setTimeout as sleep} from 'node:timers/promises'
import {gateDisarm} from '../dokku/commands/gate.js'
import type {DokkuHost} from '../remote/dokku-host.js'

/**
 * Disarms the apps once their deploys are over. The gate itself refuses an app whose deploy is still
 * held or running (and says so), so it is simply asked again for those, with a growing pause, until
 * `deadline`; usually the first ask disarms every app. Returns the apps it could not disarm.
 */
export async function settleAndDisarm(host: DokkuHost, id: string, apps: string[], options: {commandMs: number; deadline: number}): Promise<string[]> {
  let remaining = [...apps]
  for (let attempt = 1; remaining.length > 0; attempt++) {
    const disarm = await host.send(gateDisarm(id, remaining), {timeoutMs: options.commandMs})
    // The gate disarms every app it can (`disarmed <app>`) and explains the others; ask again for those.
    const disarmed = new Set(disarm.stdout.split('\n').filter((line) => line.startsWith('disarmed ')).map((line) => line.slice('disarmed '.length)))
    remaining = remaining.filter((app) => !disarmed.has(app))
    if (remaining.length === 0 || Date.now() >= options.deadline) break
    await sleep(Math.min(2000, 250 * attempt))
  }
  return remaining
}
