import {describe, expect, it} from 'vitest'
import type {AppFacts} from '../../../src/graduation/app-facts.js'
import {sourceArtifact, strategyOf} from '../../../src/graduation/artifact.js'

const SHA = '3f9a2c1d5e6f708192a3b4c5d6e7f8091a2b3c4d'
const NO_REGISTRY = {pushOnRelease: false, server: '', imageRepo: 'dokku/api', tagVersion: ''}

function source(overrides: Partial<AppFacts>): AppFacts {
  return {app: 'api', host: 'dokku@dev:22', exists: true, deploySource: 'git-push', deploySourceMetadata: SHA, rev: SHA, artifact: SHA, deployBranch: 'main', revEnvVar: 'GIT_REV', configKeys: [], registry: NO_REGISTRY, ...overrides}
}

describe('how a source app is promoted', () => {
  it('rebuilds a git push or git:sync deploy from its revision on the target', () => {
    expect(sourceArtifact(source({}), undefined)).toEqual({strategy: 'git', rev: SHA})
    expect(sourceArtifact(source({deploySource: 'git-sync', deploySourceMetadata: `https://git.example.com/api.git#${SHA}`}), undefined)).toEqual({strategy: 'git', rev: SHA})
  })

  it('deploys the very image the source runs when it pushes its releases to a registry, unless told to use git', () => {
    const pushed = source({registry: {pushOnRelease: true, server: 'registry.example.com/', imageRepo: 'shop/api', tagVersion: '12'}})
    expect(sourceArtifact(pushed, undefined)).toMatchObject({strategy: 'image', pin: {kind: 'running', repository: 'registry.example.com/shop/api'}})
    expect(sourceArtifact(pushed, 'git')).toEqual({strategy: 'git', rev: SHA})
  })

  it('deploys an image deploy as the same image, and cannot rebuild it from git', () => {
    const image = source({deploySource: 'docker-image', deploySourceMetadata: 'registry.example.com/shop/api:1.4.2', rev: null, artifact: 'registry.example.com/shop/api:1.4.2'})
    expect(sourceArtifact(image, undefined)).toMatchObject({strategy: 'image', pin: {kind: 'named', image: 'registry.example.com/shop/api:1.4.2'}})
    expect(sourceArtifact(image, 'git')).toMatchObject({problem: expect.stringContaining('no git revision to rebuild'), fix: expect.stringContaining('strategy: git')})
  })

  it('refuses strategy image for releases built on the source host and never pushed', () => {
    expect(sourceArtifact(source({}), 'image')).toMatchObject({problem: expect.stringContaining('not pushed to a registry'), fix: expect.stringContaining('push-on-release true')})
  })

  it('refuses archive deploys and apps never deployed, naming the fix', () => {
    expect(sourceArtifact(source({deploySource: 'tar.gz', deploySourceMetadata: 'https://example.com/api.tgz', rev: null, artifact: null}), undefined)).toMatchObject({
      problem: expect.stringContaining('tar.gz archive'),
      fix: expect.stringContaining('--only'),
    })
    expect(sourceArtifact(source({deploySource: '', deploySourceMetadata: '', rev: null, artifact: null}), undefined)).toMatchObject({problem: expect.stringContaining('never been deployed')})
  })
})

describe('the strategy a recorded artifact needs', () => {
  it('is git for a full sha and image for anything else', () => {
    expect(strategyOf(SHA)).toBe('git')
    expect(strategyOf(`registry.example.com/shop/api@sha256:${'a'.repeat(64)}`)).toBe('image')
    expect(strategyOf('3f9a2c1')).toBe('image')
  })
})
