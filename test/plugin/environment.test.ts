import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {PluginHost, waitFor, type RunResult} from './harness.js'

const ID = '20261123T101500Z-3f9a'
const OTHER_ID = '20261124T080000Z-77aa'

let host: PluginHost

beforeEach(async () => {
  host = await PluginHost.create()
})

afterEach(() => host.dispose())

function json(result: RunResult): Record<string, unknown> {
  return JSON.parse(result.stdout)
}

describe('environment lock', () => {
  test('lock, re-lock with the same id, refuse another id with exit 4, unlock', async () => {
    const first = await host.verb('lock', ['production', ID, '600', 'alice@laptop'])
    expect(first.code).toBe(0)
    const taken = json(first)
    expect(taken).toMatchObject({acquired: true, replaced: null})
    const lock = taken.lock as Record<string, unknown>
    expect(lock).toMatchObject({env: 'production', id: ID, owner: 'alice@laptop', ttl: 600})
    expect(lock.expires_at).toBe(Number(lock.acquired_at) + 600)

    const again = json(await host.verb('lock', ['production', ID, '900', 'alice@laptop']))
    expect(again).toMatchObject({acquired: true, replaced: null, lock: {acquired_at: lock.acquired_at, ttl: 900}})

    const other = await host.verb('lock', ['production', OTHER_ID, '600', 'bob@ci'])
    expect(other.code).toBe(4)
    expect(json(other)).toMatchObject({acquired: false, lock: {id: ID, owner: 'alice@laptop'}})
    expect(other.stderr).toContain(`environment production is locked by graduation ${ID} (owner alice@laptop)`)

    const status = json(await host.verb('lock-status', ['production', '--format', 'json']))
    expect(status).toMatchObject({env: 'production', locked: true, expired: false, lock: {id: ID}})
    expect(typeof status.now).toBe('number')

    expect(await host.verb('unlock', ['production', ID])).toMatchObject({code: 0, stdout: 'unlocked production\n'})
    expect(json(await host.verb('lock-status', ['production', '--format', 'json']))).toMatchObject({locked: false, expired: false, lock: null})
    expect(await host.verb('unlock', ['production', ID])).toMatchObject({code: 0, stdout: 'not locked production\n'})
  })

  test('an expired lock is taken over, and the old one is returned as replaced', async () => {
    const lock = json(await host.verb('lock', ['production', ID, '1', 'alice@laptop'])).lock as {expires_at: number}
    await waitFor(() => Date.now() / 1000 >= lock.expires_at, 'the lock to expire')
    expect(json(await host.verb('lock-status', ['production', '--format', 'json']))).toMatchObject({locked: true, expired: true})
    const takeover = await host.verb('lock', ['production', OTHER_ID, '600', 'bob@ci'])
    expect(takeover.code).toBe(0)
    expect(json(takeover)).toMatchObject({acquired: true, lock: {id: OTHER_ID, owner: 'bob@ci'}, replaced: {id: ID, owner: 'alice@laptop', ttl: 1}})
  })

  test('an owner with quotes, backslashes and non-ASCII letters comes back as it was written, in valid JSON', async () => {
    const owner = 'Zoë "ops" C:\\runner\\01 <ci>'
    const taken = await host.verb('lock', ['production', ID, '600', owner])
    expect(json(taken)).toMatchObject({acquired: true, lock: {owner}})
    expect(json(await host.verb('lock-status', ['production', '--format', 'json']))).toMatchObject({lock: {owner}})
    expect(json(await host.verb('lock', ['production', OTHER_ID, '600', 'bob@ci']))).toMatchObject({acquired: false, lock: {owner}})
  })

  test('unlock by another id needs --force', async () => {
    await host.verb('lock', ['production', ID, '600', 'alice@laptop'])
    const refused = await host.verb('unlock', ['production', OTHER_ID])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`locked by graduation ${ID} (owner alice@laptop), not ${OTHER_ID}; pass --force`)
    expect((await host.verb('unlock', ['production', OTHER_ID, '--force'])).code).toBe(0)
    expect(json(await host.verb('lock-status', ['production', '--format', 'json'])).locked).toBe(false)
  })

  test('the text form of lock-status says who holds it', async () => {
    await host.verb('lock', ['production', ID, '600', 'alice@laptop'])
    const text = await host.verb('lock-status', ['production'])
    expect(text.stdout).toMatch(new RegExp(`^production: locked by graduation ${ID} \\(owner alice@laptop\\) for \\d+s, expires in \\d+s\\n$`))
  })

  test.each([
    {args: ['Production', ID, '60', 'me'], message: "invalid environment name 'Production'"},
    {args: ['production', ID, 'soon', 'me'], message: "invalid ttl 'soon'"},
    {args: ['production', ID, '60', ''], message: 'invalid lock owner'},
    {args: ['production', ID, '60'], message: 'usage: graduate:lock <env> <graduation-id> <ttl-seconds> <owner>'},
  ])('lock refuses $args', async ({args, message}) => {
    const result = await host.verb('lock', args)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(fs.readdirSync(path.join(host.dataDir, '_environments'))).toEqual([])
  })
})

describe('graduation records', () => {
  const record = (id: string, outcome: string): Record<string, unknown> => ({
    id,
    outcome,
    from: 'dev',
    to: 'production',
    apps: [{app: 'api', from: 'a'.repeat(40), to: 'b'.repeat(40)}],
    timings: {total_ms: 61_234},
  })

  test('records round-trip as JSON, oldest first, and a re-record keeps its place', async () => {
    const first = record('20261123T101500Z-3f9a', 'graduated')
    const second = record('20261124T080000Z-77aa', 'aborted')
    expect(await host.verb('record', ['production'], {stdin: JSON.stringify(first)})).toMatchObject({
      code: 0,
      stdout: 'recorded 20261123T101500Z-3f9a\n',
    })
    expect((await host.verb('record', ['production'], {stdin: `${JSON.stringify(second, null, 2)}\n`})).code).toBe(0)
    const updated = {...first, outcome: 'partial', note: 'api failed after release'}
    expect((await host.verb('record', ['production'], {stdin: JSON.stringify(updated)})).code).toBe(0)

    // Only the records themselves remain: every write went through a temp file that was moved or removed.
    expect(fs.readdirSync(path.join(host.dataDir, '_environments', 'production', 'records')).sort()).toEqual([
      '20261123T101500Z-3f9a.json',
      '20261124T080000Z-77aa.json',
    ])
    const history = await host.verb('history', ['production', '--format', 'json'])
    expect(history.code).toBe(0)
    expect(JSON.parse(history.stdout)).toEqual([updated, second])

    const text = await host.verb('history', ['production'])
    expect(text.stdout.split('\n').filter(Boolean)).toEqual([
      '20261123T101500Z-3f9a outcome=partial from=dev to=production note=api failed after release',
      '20261124T080000Z-77aa outcome=aborted from=dev to=production',
    ])
  })

  test('an environment without records has an empty history', async () => {
    expect(await host.verb('history', ['staging', '--format', 'json'])).toMatchObject({code: 0, stdout: '[]\n'})
  })

  test.each([
    {stdin: '{"id": "x", ', message: 'not one JSON object with a string "id"'},
    {stdin: '[1, 2]', message: 'not one JSON object with a string "id"'},
    {stdin: '{"outcome": "graduated"}', message: 'not one JSON object with a string "id"'},
    {stdin: '{"id": 7}', message: 'not one JSON object with a string "id"'},
    {stdin: '{"id": "a"} {"id": "b"}', message: 'not one JSON object with a string "id"'},
    {stdin: '{"id": "../escape"}', message: "the record's id '../escape' is not a graduation id"},
    {stdin: `{"id": "big", "pad": "${'x'.repeat(1024 * 1024)}"}`, message: 'larger than 1 MiB'},
  ])('refuses an invalid record ($message)', async ({stdin, message}) => {
    const result = await host.verb('record', ['production'], {stdin})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(message)
    expect(JSON.parse((await host.verb('history', ['production', '--format', 'json'])).stdout)).toEqual([])
  })
})
