import {describe, expect, it} from 'vitest'
import {LockHeldError} from '../../../src/errors.js'
import {EventBus} from '../../../src/graduation/events.js'
import {type LockSpec, lockEnvironment} from '../../../src/graduation/lock.js'
import {DokkuHost} from '../../../src/remote/dokku-host.js'
import type {ExecResult, HostConnection} from '../../../src/ssh/transport.js'

const SPEC: LockSpec = {env: 'production', id: '20261123T101500Z-3f9a', owner: 'alice@laptop', ttlSeconds: 120, commandMs: 5000}
const NOW = 1795431200

/**
 * Hosts whose `graduate:lock` answers are the test's: each host's lock is free or held by `held`. Every
 * command is logged with the moment it was sent and the moment it was answered, in a shared order.
 */
function hosts(names: string[], held: Record<string, string> = {}) {
  const log: string[] = []
  const make = (name: string) => {
    const label = `dokku@${name}:22`
    const connection = {
      label,
      exec: async (command: string): Promise<ExecResult> => {
        log.push(`${name} ${command.split(' ')[0]} sent`)
        // Answer on a later turn, so commands sent together are seen to be in flight together.
        await new Promise((resolve) => setImmediate(resolve))
        log.push(`${name} ${command.split(' ')[0]} answered`)
        if (command.startsWith('graduate:unlock')) return {exitCode: 0, signal: null, stdout: `unlocked ${SPEC.env}\n`, stderr: '', durationMs: 1}
        const owner = held[name]
        const lock = {env: SPEC.env, id: owner ? 'other-graduation' : SPEC.id, owner: owner ?? SPEC.owner, acquired_at: NOW, expires_at: NOW + 120, ttl: 120}
        return {exitCode: owner ? 4 : 0, signal: null, stdout: JSON.stringify(owner ? {acquired: false, lock} : {acquired: true, lock, replaced: null}), stderr: '', durationMs: 1}
      },
    } as unknown as HostConnection
    return new DokkuHost(connection, label)
  }
  return {hosts: names.map(make), log}
}

describe('the environment lock', () => {
  it('takes the first host (by host key) alone, then every other host at once', async () => {
    const {hosts: all, log} = hosts(['prod-3', 'prod-1', 'prod-2'])
    const locked = await lockEnvironment(all, SPEC, new EventBus('g', 'production'))
    expect(locked.map((host) => host.label)).toEqual(['dokku@prod-1:22', 'dokku@prod-2:22', 'dokku@prod-3:22'])
    expect(log).toEqual([
      'prod-1 graduate:lock sent',
      'prod-1 graduate:lock answered',
      'prod-2 graduate:lock sent',
      'prod-3 graduate:lock sent',
      'prod-2 graduate:lock answered',
      'prod-3 graduate:lock answered',
    ])
  })

  it('stops at the first host when another graduation holds it, touching no other host', async () => {
    const {hosts: all, log} = hosts(['prod-1', 'prod-2'], {'prod-1': 'bob@elsewhere'})
    await expect(lockEnvironment(all, SPEC, new EventBus('g', 'production'))).rejects.toThrow(LockHeldError)
    expect(log.filter((line) => line.endsWith('sent'))).toEqual(['prod-1 graduate:lock sent'])
  })

  it('releases what it took when a later host is held, naming that host and its holder', async () => {
    const {hosts: all, log} = hosts(['prod-1', 'prod-2', 'prod-3'], {'prod-3': 'bob@elsewhere'})
    const failure = lockEnvironment(all, SPEC, new EventBus('g', 'production'))
    await expect(failure).rejects.toThrow(/production is locked on dokku@prod-3:22 by bob@elsewhere \(graduation other-graduation\)/)
    expect(log.filter((line) => line.includes('unlock') && line.endsWith('sent')).sort()).toEqual(['prod-1 graduate:unlock sent', 'prod-2 graduate:unlock sent'])
  })
})
