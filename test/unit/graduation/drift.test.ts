import {describe, expect, it} from 'vitest'
import type {AppFacts} from '../../../src/graduation/app-facts.js'
import {blockingKeys, computeDrift, hasDrift} from '../../../src/graduation/drift.js'

function facts(overrides: Partial<AppFacts> = {}): AppFacts {
  return {app: 'api', host: 'dokku@h:22', exists: true, deploySource: 'git-push', deploySourceMetadata: '', rev: 'a'.repeat(40), artifact: 'a'.repeat(40), deployBranch: 'main', revEnvVar: 'GIT_REV', configKeys: [], ...overrides}
}

describe('drift between a source app and its target', () => {
  it('names the config keys on one side only, sorted, and which of them the manifest allows', () => {
    const drift = computeDrift(facts({configKeys: ['STRIPE_KEY', 'SHARED', 'FEATURE_X']}), facts({configKeys: ['SHARED', 'SENTRY_DSN']}), ['STRIPE_KEY'])
    expect(drift.missingInTarget).toEqual(['FEATURE_X', 'STRIPE_KEY'])
    expect(drift.allowed).toEqual(['STRIPE_KEY'])
    expect(drift.missingInSource).toEqual(['SENTRY_DSN'])
    expect(blockingKeys(drift)).toEqual(['FEATURE_X'])
  })

  it("ignores what Dokku keeps in every app's config, which differs by design", () => {
    const drift = computeDrift(
      facts({configKeys: ['DOKKU_APP_TYPE', 'DOKKU_PROXY_PORT', 'GIT_REV', 'SHARED']}),
      facts({configKeys: ['SHARED', 'DOKKU_LETSENCRYPT_EMAIL', 'MY_REV'], revEnvVar: 'MY_REV'}),
      [],
    )
    expect(drift.missingInTarget).toEqual([])
    expect(drift.missingInSource).toEqual([])
    expect(hasDrift(drift)).toBe(false)
  })

  it('compares scale per process type, checks, proxy and whether each side has domains of its own, when both were read', () => {
    const drift = computeDrift(
      facts({processes: {web: 1, worker: 1}, checksDisabled: [], checksSkipped: ['worker'], proxyType: 'nginx', customDomains: []}),
      facts({processes: {web: 3}, checksDisabled: [], checksSkipped: [], proxyType: 'nginx', customDomains: ['www.example.com']}),
      [],
    )
    expect(drift.scale).toEqual([
      {proc: 'web', source: 1, target: 3},
      {proc: 'worker', source: 1, target: 0},
    ])
    expect(drift.checks).toEqual({source: 'disabled: none; skipped: worker', target: 'disabled: none; skipped: none'})
    expect(drift.proxy).toBeUndefined()
    expect(drift.domains).toEqual({source: false, target: true})
    expect(hasDrift(drift)).toBe(true)
    expect(blockingKeys(drift)).toEqual([])
  })

  it('says nothing about settings a side was not asked for', () => {
    const drift = computeDrift(facts(), facts({processes: {web: 2}, proxyType: 'nginx', checksDisabled: ['web'], checksSkipped: [], customDomains: ['x.example']}), [])
    expect(drift).toEqual({missingInTarget: [], allowed: [], missingInSource: [], scale: []})
  })
})
