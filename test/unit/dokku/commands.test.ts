import {describe, expect, it} from 'vitest'

import {
  appsExists,
  appsList,
  appsReport,
  buildsList,
  checksReport,
  configKeys,
  domainsReport,
  gitFromImage,
  gitReport,
  pluginList,
  proxyReport,
  psReport,
  registryReport,
  run,
  schedulerReport,
  version,
} from '../../../src/dokku/commands/core.js'
import {
  gateAbort,
  gateArm,
  gateAwaitSwitch,
  gateSwitch,
  gateArmApps,
  gateDisarm,
  gateFacts,
  gateHistory,
  gateImageAvailable,
  gateImageDigest,
  gateLock,
  gateLockStatus,
  gateRecord,
  gateRelease,
  gateRenew,
  gateRunningImageDigest,
  gateStatus,
  gateUnlock,
  gateVersion,
  MAX_RECORD_BYTES,
} from '../../../src/dokku/commands/gate.js'
import {renderCommand} from '../../../src/dokku/quote.js'

const ID = '20261123T101500Z-3f9a'
const SHA = '20690cd3171e458728d94d83f8c6ac77cb894607'

describe('Dokku core commands', () => {
  it.each([
    [version(), 'version'],
    [appsList(), 'apps:list --format json'],
    [appsReport('api'), 'apps:report api --format json'],
    [gitReport('api'), 'git:report api --format json'],
    [psReport('api'), 'ps:report api --format json'],
    [proxyReport('api'), 'proxy:report api --format json'],
    [checksReport('api'), 'checks:report api --format json'],
    [domainsReport('api'), 'domains:report api --format json'],
    [schedulerReport('api'), 'scheduler:report api --format json'],
    [configKeys('api'), 'config:keys api'],
    [pluginList(), 'plugin:list --format json'],
    [buildsList('api'), 'builds:list api --format json'],
    [registryReport('api'), 'registry:report api --format json'],
    [gitFromImage('api', `registry.example.com/shop/api@sha256:${'a'.repeat(64)}`), `git:from-image api registry.example.com/shop/api@sha256:${'a'.repeat(64)}`],
  ])('%j renders as %s', (command, wire) => {
    expect(renderCommand(command)).toBe(wire)
  })

  it('apps:exists answers with 0 or 20', () => {
    expect(appsExists('api')).toEqual({argv: ['apps:exists', 'api'], okExitCodes: [0, 20]})
  })

  it('runs a hook as one /bin/sh -c argument without a TTY', () => {
    const command = run('api', 'bundle exec rake db:migrate && echo "done"')

    expect(command.argv).toEqual(['run', '--no-tty', 'api', '/bin/sh', '-c', 'bundle exec rake db:migrate && echo "done"'])
    expect(renderCommand(command)).toBe(`run --no-tty api /bin/sh -c 'bundle exec rake db:migrate && echo "done"'`)
  })

  it('passes run variables as single --env= words before the app', () => {
    const command = run('api', 'env', {env: {GRADUATE_ID: ID, GRADUATE_FROM: 'staging'}})

    expect(command.argv).toEqual(['run', '--no-tty', `--env=GRADUATE_ID=${ID}`, '--env=GRADUATE_FROM=staging', 'api', '/bin/sh', '-c', 'env'])
    expect(() => run('api', 'env', {env: {'BAD NAME': 'x'}})).toThrow(/"BAD NAME" is not valid/)
  })
})

describe('gate commands (PROTOCOL.md)', () => {
  it.each([
    [gateVersion(), 'graduate:version'],
    [gateArm('api', ID, SHA, 900, 60), `graduate:arm api ${ID} ${SHA} 900 60`],
    [gateAwaitSwitch(ID, 1800, ['api', 'web']), `graduate:await-switch ${ID} 1800 api web`],
    [gateSwitch(ID, ['api', 'web']), `graduate:switch ${ID} api web`],
        [gateArmApps(ID, 900, 60, [['api', SHA], ['web', `registry.example.com/shop/web@sha256:${'a'.repeat(64)}`]]), `graduate:arm ${ID} 900 60 api=${SHA} web=registry.example.com/shop/web@sha256:${'a'.repeat(64)}`],
    [gateFacts(['api', 'web']), 'graduate:facts api web'],
    [gateFacts(['api'], {config: true}), 'graduate:facts --config api'],
    [gateFacts(['api'], {config: true, rev: true, domains: true}), 'graduate:facts --config --rev --domains api'],
    [gateStatus(), 'graduate:status --format json'],
    [gateStatus(['api', 'web']), 'graduate:status --format json api web'],
    [gateRenew(ID, ['api', 'web']), `graduate:renew ${ID} api web`],
    [gateRelease(ID, ['api', 'web']), `graduate:release ${ID} api web`],
    [gateAbort(ID, ['api']), `graduate:abort ${ID} api`],
    [gateDisarm(ID, ['api']), `graduate:disarm ${ID} api`],
    [gateLock('production', ID, 3600, 'alice@laptop (pid 4242)'), `graduate:lock production ${ID} 3600 'alice@laptop (pid 4242)'`],
    [gateUnlock('production', ID), `graduate:unlock production ${ID}`],
    [gateUnlock('production', ID, {force: true}), `graduate:unlock production ${ID} --force`],
    [gateLockStatus('production'), 'graduate:lock-status production --format json'],
    [gateHistory('production'), 'graduate:history production --format json'],
    [gateImageDigest('registry.example.com/shop/api:1.4.2'), 'graduate:image-digest registry.example.com/shop/api:1.4.2'],
    [gateRunningImageDigest('api', 'registry.example.com/shop/api'), 'graduate:image-digest --running api registry.example.com/shop/api'],
    [gateImageAvailable('registry.example.com/shop/api:1.4.2'), 'graduate:image-available registry.example.com/shop/api:1.4.2'],
  ])('%j renders as %s', (command, wire) => {
    expect(renderCommand(command)).toBe(wire)
  })

  it('treats exit 4 of graduate:lock as an answer', () => {
    expect(gateLock('production', ID, 60, 'ci').okExitCodes).toEqual([0, 4])
  })

  it('sends the record as JSON on stdin', () => {
    const record = {id: ID, outcome: 'graduated', apps: [{app: 'api', from: 'a', to: SHA}]}
    const command = gateRecord('production', record)

    expect(renderCommand(command)).toBe('graduate:record production')
    expect(JSON.parse(command.stdin!)).toEqual(record)
  })

  it('asks the gate to release the lock with the record when told to', () => {
    const command = gateRecord('production', {id: ID}, {unlock: ID})
    expect(renderCommand(command)).toBe(`graduate:record production --unlock ${ID}`)
    expect(JSON.parse(command.stdin!)).toEqual({id: ID})
  })

  it('refuses a record larger than the gate accepts', () => {
    expect(() => gateRecord('production', {id: ID, notes: 'x'.repeat(MAX_RECORD_BYTES)})).toThrow(/at most 1048576/)
  })

  it('refuses leases and TTLs that are not whole positive seconds', () => {
    expect(() => gateArm('api', ID, SHA, 0, 60)).toThrow(/lease must be a whole number of seconds above 0, got 0/)
    expect(() => gateArm('api', ID, SHA, 1.5, 60)).toThrow(RangeError)
    expect(() => gateArm('api', ID, SHA, 60, 0)).toThrow(/switch wait must be a whole number/)
    expect(() => gateLock('production', ID, Number.NaN, 'ci')).toThrow(/lock TTL/)
  })

  it('needs at least one app for verbs that act on apps', () => {
    expect(() => gateRelease(ID, [])).toThrow(/graduate:release needs at least one app/)
    expect(() => gateRenew(ID, [])).toThrow(/graduate:renew needs at least one app/)
    expect(() => gateSwitch(ID, [])).toThrow(/graduate:switch needs at least one app/)
    expect(() => gateFacts([])).toThrow(/graduate:facts needs at least one app/)
    expect(() => gateArmApps(ID, 60, 60, [])).toThrow(/graduate:arm needs at least one app/)
    expect(() => gateArmApps(ID, 0, 60, [['api', SHA]])).toThrow(/lease must be a whole number/)
  })
})
