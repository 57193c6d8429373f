import {describe, expect, it} from 'vitest'

import {gateAwaitSwitch, gateFacts, gateHistory, gateImageDigest, gateLock, gateLockStatus, gateStatus, gateSwitch, gateVersion} from '../../../src/dokku/commands/gate.js'
import {parseGateFacts, parseGateStatus, parseGateVersion, parseHistory, parseImageDigest, parseLockAttempt, parseLockStatus, parseSwitchPositions} from '../../../src/dokku/parse/gate.js'
import {UnexpectedOutputError} from '../../../src/errors.js'

// The documents below are dokku-plugin/PROTOCOL.md's examples, with its <sha>/<cid> placeholders filled in.
const ID = '20261123T101500Z-3f9a'
const SHA = '20690cd3171e458728d94d83f8c6ac77cb894607'
const CID = '655aac2ac91b4c0c8e4f2f6f1c1fbd0e3f0f2a1b9c8d7e6f5a4b3c2d1e0f9a8b'

const HELD_API = {
  app: 'api',
  state: 'held',
  id: ID,
  rev: SHA,
  lease: 60,
  armed_at: 1795431200,
  expires_at: 1795431260,
  build: 'mwt5e6etaozwuh',
  held_at: 1795431215,
  containers: [{proc: 'web', index: 1, cid: CID, since: 1795431215}],
  decision: null,
  decided_at: null,
  reason: null,
  waiting: 1,
  switch: null,
}

const UNARMED_WEB = {
  app: 'web',
  state: 'unarmed',
  id: null,
  rev: null,
  lease: null,
  armed_at: null,
  expires_at: null,
  build: null,
  held_at: null,
  containers: [],
  decision: null,
  decided_at: null,
  reason: null,
  waiting: 0,
  switch: null,
}

const LOCK = {env: 'production', id: ID, owner: 'alice@laptop (pid 4242)', acquired_at: 1795431100, expires_at: 1795434700, ttl: 3600}

describe('graduate:version', () => {
  it('reads the version and protocol', () => {
    expect(parseGateVersion('graduate-gate 0.1.0 protocol 1\n', gateVersion())).toEqual({version: '0.1.0', protocol: 1})
  })

  it('refuses another plugin’s answer', () => {
    expect(() => parseGateVersion(' !     `graduate:version` is not a dokku command.', gateVersion())).toThrow(
      /`graduate:version` printed output graduate cannot read \(expected "graduate-gate <version> protocol <n>"\)/,
    )
  })
})

describe('graduate:status', () => {
  it('reads a held app and an unknown (unarmed) one', () => {
    const output = JSON.stringify({protocol: 1, version: '0.1.0', now: 1795431222, apps: [HELD_API, UNARMED_WEB]})
    const status = parseGateStatus(output, gateStatus(['api', 'web']))

    expect(status.now).toBe(1795431222)
    expect(status.apps[0]).toEqual({
      app: 'api',
      state: 'held',
      id: ID,
      rev: SHA,
      leaseSeconds: 60,
      armedAt: 1795431200,
      expiresAt: 1795431260,
      build: 'mwt5e6etaozwuh',
      heldAt: 1795431215,
      containers: [{proc: 'web', index: 1, cid: CID, since: 1795431215}],
      decision: null,
      decidedAt: null,
      reason: null,
      waiting: 1,
      switch: null,
    })
    expect(status.apps[1]).toMatchObject({app: 'web', state: 'unarmed', id: null, containers: [], waiting: 0})
  })

  it('reads a decided app', () => {
    const aborted = {...HELD_API, state: 'expired', decision: 'expired', decided_at: 1795431260, reason: 'lease expired', waiting: 0}
    const status = parseGateStatus(JSON.stringify({protocol: 1, version: '0.1.0', now: 1795431300, apps: [aborted]}), gateStatus())

    expect(status.apps[0]).toMatchObject({state: 'expired', decision: 'expired', decidedAt: 1795431260, reason: 'lease expired'})
  })

  it('refuses a state the protocol does not define, naming where', () => {
    const output = JSON.stringify({protocol: 1, version: '0.1.0', now: 1, apps: [{...HELD_API, state: 'paused'}]})
    expect(() => parseGateStatus(output, gateStatus())).toThrow(/apps\.0\.state: /)
  })

  it('refuses a missing field rather than guessing', () => {
    const {waiting: _waiting, ...withoutWaiting} = HELD_API
    const output = JSON.stringify({protocol: 1, version: '0.1.0', now: 1, apps: [withoutWaiting]})
    expect(() => parseGateStatus(output, gateStatus())).toThrow(UnexpectedOutputError)
  })
})

describe('graduate:status at the nginx switch (protocol 3)', () => {
  it('reads where a released deploy is at the switch', () => {
    const released = {...HELD_API, state: 'released', decision: 'release', decided_at: 1795431230, waiting: 0, switch: {reached_ms: 1795431235123, passed_ms: 1795431236001, by: 'switch'}}
    const status = parseGateStatus(JSON.stringify({protocol: 3, version: '0.3.0', now: 1795431240, apps: [released]}), gateStatus())
    expect(status.apps[0]?.switch).toEqual({reachedMs: 1795431235123, passedMs: 1795431236001, by: 'switch'})
  })
})

describe('graduate:await-switch and graduate:switch', () => {
  it('reads every kind of position, one line per app', () => {
    const stdout = [
      'at-switch api 1795431235123',
      'passed web 1795431235000 1795431245000 bound',
      'waiting worker deploying',
      'gone billing deploy-ended',
      'open search ',
      'switched shop 1795431235123 1795431236001',
      '',
    ].join('\n')
    expect(parseSwitchPositions(stdout, gateAwaitSwitch(ID, 60, ['api']))).toEqual([
      {app: 'api', kind: 'at-switch', reachedMs: 1795431235123},
      {app: 'web', kind: 'passed', reachedMs: 1795431235000, passedMs: 1795431245000, by: 'bound'},
      {app: 'worker', kind: 'waiting', reason: 'deploying'},
      {app: 'billing', kind: 'gone', reason: 'deploy-ended'},
      {app: 'search', kind: 'open'},
      {app: 'shop', kind: 'switched', reachedMs: 1795431235123, switchedMs: 1795431236001},
    ])
  })

  it('refuses a line it does not know rather than guessing', () => {
    expect(() => parseSwitchPositions('arrived api\n', gateSwitch(ID, ['api']))).toThrow(UnexpectedOutputError)
    expect(() => parseSwitchPositions('at-switch api soon\n', gateSwitch(ID, ['api']))).toThrow(UnexpectedOutputError)
  })
})

describe('graduate:lock', () => {
  const command = gateLock('production', ID, 3600, 'alice@laptop (pid 4242)')

  it('reads an acquired lock', () => {
    expect(parseLockAttempt(JSON.stringify({acquired: true, lock: LOCK, replaced: null}), command)).toEqual({
      acquired: true,
      lock: {env: 'production', id: ID, owner: 'alice@laptop (pid 4242)', acquiredAt: 1795431100, expiresAt: 1795434700, ttlSeconds: 3600},
      replaced: null,
    })
  })

  it('reads a takeover of an expired lock', () => {
    const old = {...LOCK, id: 'older-run', owner: 'ci', expires_at: 1795431000}
    const attempt = parseLockAttempt(JSON.stringify({acquired: true, lock: LOCK, replaced: old}), command)

    expect(attempt.acquired && attempt.replaced).toMatchObject({id: 'older-run', owner: 'ci', expiresAt: 1795431000})
  })

  it('reads the holder when another graduation has the lock (exit 4)', () => {
    const holder = {...LOCK, id: 'other-run', owner: 'bob@ci'}
    expect(parseLockAttempt(JSON.stringify({acquired: false, lock: holder}), command)).toEqual({
      acquired: false,
      lock: expect.objectContaining({id: 'other-run', owner: 'bob@ci'}),
    })
  })
})

describe('graduate:lock-status', () => {
  it('reads a free and a held environment', () => {
    expect(parseLockStatus(JSON.stringify({env: 'production', locked: false, expired: false, now: 5, lock: null}), gateLockStatus('production'))).toEqual({
      env: 'production',
      locked: false,
      expired: false,
      now: 5,
      lock: null,
    })
    expect(parseLockStatus(JSON.stringify({env: 'production', locked: true, expired: true, now: 1795434800, lock: LOCK}), gateLockStatus('production'))).toMatchObject({
      locked: true,
      expired: true,
      lock: {id: ID, ttlSeconds: 3600},
    })
  })
})

describe('graduate:history', () => {
  it('returns the stored records as they were written', () => {
    const records = [
      {id: 'a', outcome: 'graduated', apps: [{app: 'api'}]},
      {id: 'b', outcome: 'aborted'},
    ]
    expect(parseHistory(JSON.stringify(records), gateHistory('production'))).toEqual(records)
  })

  it('refuses a record without an id', () => {
    expect(() => parseHistory(JSON.stringify([{outcome: 'graduated'}]), gateHistory('production'))).toThrow(/0\.id: /)
  })
})

describe('graduate:image-digest', () => {
  const pinned = `registry.example.com:5000/shop/api@sha256:${'ab'.repeat(32)}`

  it('reads the one reference pinned by digest', () => {
    expect(parseImageDigest(`${pinned}\n`, gateImageDigest('registry.example.com:5000/shop/api:1.4'))).toBe(pinned)
  })

  it('refuses anything else: a tag, two lines, a short digest', () => {
    const command = gateImageDigest('shop/api:1.4')
    expect(() => parseImageDigest('registry.example.com/shop/api:1.4\n', command)).toThrow(UnexpectedOutputError)
    expect(() => parseImageDigest(`${pinned}\n${pinned}\n`, command)).toThrow(UnexpectedOutputError)
    expect(() => parseImageDigest('shop/api@sha256:abc\n', command)).toThrow(UnexpectedOutputError)
  })
})

describe('graduate:facts', () => {
  const API = {
    app: 'api',
    exists: true,
    deploy_source: 'git-push',
    deploy_source_metadata: SHA,
    deploy_branch: 'main',
    rev_env_var: 'GIT_REV',
    rev_env_value: SHA,
    config_keys: ['DATABASE_URL', 'GIT_REV'],
    registry: {push_on_release: false, server: null, image_repo: null, tag_version: ''},
    scale: {web: 1, worker: 1},
    containers: ['web.1', 'worker.1'],
    skip_deploy: false,
    proxy_type: 'nginx',
    checks_disabled: [],
    checks_skipped: [],
    scheduler: 'docker-local',
    domains: null,
    gate: HELD_API,
    errors: [],
  }
  const document = (apps: unknown[]) =>
    JSON.stringify({protocol: 3, version: '0.3.0', now: 1795431222, dokku_version: 'dokku version 0.38.27', gate_hook: true, errors: [], apps})
  const command = gateFacts(['api', 'nope'], {config: true})

  it('reads an app that exists and one that does not, in the order asked', () => {
    const facts = parseGateFacts(document([API, {app: 'nope', exists: false, gate: {...UNARMED_WEB, app: 'nope'}, errors: []}]), command)
    expect(facts).toMatchObject({protocol: 3, version: '0.3.0', dokkuVersion: 'dokku version 0.38.27', gateHook: true, errors: []})
    expect(facts.apps[0]).toEqual({
      app: 'api',
      exists: true,
      deploySource: 'git-push',
      deploySourceMetadata: SHA,
      deployBranch: 'main',
      revEnvVar: 'GIT_REV',
      revEnvValue: SHA,
      configKeys: ['DATABASE_URL', 'GIT_REV'],
      registry: {pushOnRelease: false, server: null, imageRepo: null, tagVersion: ''},
      scale: {web: 1, worker: 1},
      containers: ['web.1', 'worker.1'],
      skipDeploy: false,
      proxyType: 'nginx',
      checksDisabled: [],
      checksSkipped: [],
      scheduler: 'docker-local',
      domains: null,
      gate: expect.objectContaining({app: 'api', state: 'held', leaseSeconds: 60, heldAt: 1795431215}),
      errors: [],
    })
    expect(facts.apps[1]).toMatchObject({app: 'nope', exists: false, gate: {state: 'unarmed'}})
  })

  it('refuses a document that leaves out a fact, naming where', () => {
    const {deploy_branch: _dropped, ...withoutBranch} = API
    expect(() => parseGateFacts(document([withoutBranch]), command)).toThrow(/apps\.0\.deploy_branch/)
    expect(() => parseGateFacts('graduate-gate 0.3.0 protocol 3\n', command)).toThrow(UnexpectedOutputError)
  })
})
