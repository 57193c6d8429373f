import {setTimeout as sleep} from 'node:timers/promises'
import {gateDisarm, gateStatus} from '../dokku/commands/gate.js'
import {parseGateStatus} from '../dokku/parse/gate.js'
import type {DokkuHost} from './remote.js'

/**
 * Waits until no check-deploy process of the apps is waiting any more (the decision was acted on and
 * the deploy went on to its end), then disarms them — the gate refuses to disarm an app whose deploy is
 * still running. Gives up at `deadline`; returns the apps it could not disarm.
 */
export async function settleAndDisarm(host: DokkuHost, id: string, apps: string[], options: {commandMs: number; deadline: number}): Promise<string[]> {
  let remaining = [...apps]
  for (let attempt = 1; remaining.length > 0; attempt++) {
    const command = gateStatus(remaining)
    const status = parseGateStatus((await host.run(command, {timeoutMs: options.commandMs, readOnly: true})).stdout, command)
    const settled = status.apps.filter((app) => app.waiting === 0).map((app) => app.app)
    if (settled.length > 0) {
      const disarm = await host.send(gateDisarm(id, settled), {timeoutMs: options.commandMs})
      // The gate disarms every app it can (`disarmed <app>`) and explains the others; ask again for those.
      const disarmed = new Set(disarm.stdout.split('\n').filter((line) => line.startsWith('disarmed ')).map((line) => line.slice('disarmed '.length)))
      remaining = remaining.filter((app) => !disarmed.has(app))
    }
    if (remaining.length === 0 || Date.now() >= options.deadline) break
    await sleep(Math.min(2000, 250 * attempt))
  }
  return remaining
}
