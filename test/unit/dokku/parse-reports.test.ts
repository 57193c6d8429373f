import {describe, expect, it} from 'vitest'

import {
  appsReport,
  checksReport,
  domainsReport,
  gitReport,
  proxyReport,
  psReport,
  registryReport,
  schedulerReport,
} from '../../../src/dokku/commands/core.js'
import {
  checksDisabledFor,
  deployedArtifact,
  deployedGitRevision,
  parseAppsReport,
  parseChecksReport,
  parseDomainsReport,
  parseGitReport,
  parseProxyReport,
  parsePsReport,
  parseRegistryReport,
  parseSchedulerReport,
} from '../../../src/dokku/parse/reports.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {UnexpectedOutputError} from '../../../src/errors.js'
import {readFixture} from './fixtures.js'

function unexpected(parse: () => unknown): UnexpectedOutputError {
  try {
    parse()
  } catch (error) {
    if (error instanceof UnexpectedOutputError) return error
    throw error
  }
  throw new Error('expected the output to be refused')
}

describe('apps:report', () => {
  it('reads the deploy source, its sha and the lock from a real git-push app', () => {
    const report = parseAppsReport(readFixture('apps-report-ga.json'), appsReport('ga'))

    expect(report).toEqual({deploySource: 'git-push', deploySourceMetadata: '20690cd3171e458728d94d83f8c6ac77cb894607', locked: true})
    expect(deployedGitRevision(report)).toBe('20690cd3171e458728d94d83f8c6ac77cb894607')
  })

  it('has no git revision for an app deployed from an image', () => {
    const report = parseAppsReport(readFixture('apps-report-gi-from-image.json'), appsReport('gi'))

    expect(report.deploySource).toBe('docker-image')
    expect(report.locked).toBe(false)
    expect(deployedGitRevision(report)).toBeUndefined()
  })

  it('takes a git:sync revision only when its ref is a full sha', () => {
    const sha = 'a'.repeat(40)
    expect(deployedGitRevision({deploySource: 'git-sync', deploySourceMetadata: `https://git.example.com/x.git#${sha}`, locked: false})).toBe(sha)
    expect(deployedGitRevision({deploySource: 'git-sync', deploySourceMetadata: 'https://git.example.com/x.git#main', locked: false})).toBeUndefined()
    expect(deployedGitRevision({deploySource: '', deploySourceMetadata: '', locked: false})).toBeUndefined()
  })
})

describe('what a deploy promoted', () => {
  it('is the git revision of a git deploy and the image of an image deploy, as Dokku recorded it', () => {
    expect(deployedArtifact(parseAppsReport(readFixture('apps-report-ga.json'), appsReport('ga')))).toBe('20690cd3171e458728d94d83f8c6ac77cb894607')
    expect(deployedArtifact(parseAppsReport(readFixture('apps-report-gi-from-image.json'), appsReport('gi')))).toBe('local/gi-img:v1')
    expect(deployedArtifact({deploySource: 'tar', deploySourceMetadata: 'https://example.com/a.tar', locked: false})).toBeUndefined()
  })
})

describe('registry:report', () => {
  // Dokku's registry report keys (plugins/registry/report.go), without the prefix and with the legacy prefixed copy.
  const report = (values: Record<string, string>) =>
    JSON.stringify(Object.fromEntries(Object.entries(values).flatMap(([key, value]) => [[key, value], [`registry-${key}`, value]])))

  it('reads push-on-release, the server with its slash, the repository and the last pushed tag', () => {
    const stdout = report({'computed-push-on-release': 'true', 'push-on-release': 'true', 'computed-server': 'registry.example.com/', server: 'registry.example.com', 'computed-image-repo': 'shop/api', 'image-repo': 'shop/api', 'tag-version': '12'})
    expect(parseRegistryReport(stdout, registryReport('api'))).toEqual({pushOnRelease: true, server: 'registry.example.com/', imageRepo: 'shop/api', tagVersion: '12'})
  })

  it('reads an app that pushes nothing: the defaults', () => {
    const stdout = report({'computed-push-on-release': 'false', 'push-on-release': '', 'computed-server': '', 'computed-image-repo': 'dokku/api', 'tag-version': ''})
    expect(parseRegistryReport(stdout, registryReport('api'))).toEqual({pushOnRelease: false, server: '', imageRepo: 'dokku/api', tagVersion: ''})
  })
})

describe('git:report', () => {
  it('reads the computed deploy branch and the revision variable', () => {
    expect(parseGitReport(readFixture('git-report-ga.json'), gitReport('ga'))).toEqual({deployBranch: 'main', revEnvVar: 'GIT_REV'})
    expect(parseGitReport(readFixture('git-report-gi-from-image.json'), gitReport('gi'))).toEqual({deployBranch: 'master', revEnvVar: 'GIT_REV'})
  })

  it('does not expose `sha`, which a real host reports as the literal "HEAD"', () => {
    expect(JSON.parse(readFixture('git-report-ga.json')).sha).toBe('HEAD')
    expect(parseGitReport(readFixture('git-report-ga.json'), gitReport('ga'))).not.toHaveProperty('sha')
  })
})

describe('ps:report', () => {
  it('reads state, skip-deploy and the routed containers (key `status-web.1`)', () => {
    expect(parsePsReport(readFixture('ps-report-ga.json'), psReport('ga'))).toEqual({
      deployed: true,
      running: true,
      processes: 1,
      skipDeploy: false,
      containers: [{proc: 'web', index: 1, state: 'running', cid: '690cf338191'}],
    })
  })

  it('reads several process types, mixed running state and missing containers', () => {
    const output = JSON.stringify({
      ...JSON.parse(readFixture('ps-report-ga.json')),
      running: 'mixed',
      processes: '3',
      'status-web.2': 'exited (CID: 2e4390fff9d)',
      'status-release-worker.1': 'missing (CID: 9025eddef4d)',
    })
    const report = parsePsReport(output, psReport('ga'))

    expect(report.running).toBe('mixed')
    expect(report.containers).toEqual(
      expect.arrayContaining([
        {proc: 'web', index: 2, state: 'exited', cid: '2e4390fff9d'},
        {proc: 'release-worker', index: 1, state: 'missing', cid: '9025eddef4d'},
      ]),
    )
  })

  it('refuses a container status it cannot read, naming the key', () => {
    const output = JSON.stringify({...JSON.parse(readFixture('ps-report-ga.json')), 'status-web.1': 'running'})
    expect(unexpected(() => parsePsReport(output, psReport('ga'))).message).toMatch(/status-web\.1: expected "<state> \(CID: <id>\)"/)
  })
})

describe('proxy:report', () => {
  it('uses the computed type: `type` is empty on a default host', () => {
    expect(JSON.parse(readFixture('proxy-report-ga.json')).type).toBe('')
    expect(parseProxyReport(readFixture('proxy-report-ga.json'), proxyReport('ga'))).toEqual({type: 'nginx', enabled: true})
  })
})

describe('checks:report', () => {
  it('turns `none` into an empty list', () => {
    const report = parseChecksReport(readFixture('checks-report-ga.json'), checksReport('ga'))
    expect(report).toEqual({disabled: [], skipped: []})
    expect(checksDisabledFor(report, 'web')).toBe(false)
  })

  it('reads comma lists, and `_all_` disables every type', () => {
    const some = parseChecksReport(JSON.stringify({'disabled-list': 'worker,web', 'skipped-list': 'clock'}), checksReport('ga'))
    expect(some).toEqual({disabled: ['worker', 'web'], skipped: ['clock']})
    expect(checksDisabledFor(some, 'web')).toBe(true)

    const all = parseChecksReport(JSON.stringify({'disabled-list': '_all_', 'skipped-list': 'none'}), checksReport('ga'))
    expect(checksDisabledFor(all, 'web')).toBe(true)
  })
})

describe('domains:report and scheduler:report', () => {
  // No capture from the real host; the keys are those of plugins/domains/report.go and
  // plugins/scheduler/report.go at v0.38.27 (TrimPrefix; scheduler also emits the prefixed legacy keys).
  it('reads the app and global domains', () => {
    const output = JSON.stringify({'app-enabled': 'true', 'app-vhosts': 'ga.dokku.test api.example.com', 'global-enabled': 'false', 'global-vhosts': ''})
    expect(parseDomainsReport(output, domainsReport('ga'))).toEqual({
      appEnabled: true,
      appVhosts: ['ga.dokku.test', 'api.example.com'],
      globalEnabled: false,
      globalVhosts: [],
    })
  })

  it('reads the scheduler in effect', () => {
    const output = JSON.stringify({'computed-selected': 'docker-local', selected: '', 'global-selected': '', 'scheduler-computed-selected': 'docker-local'})
    expect(parseSchedulerReport(output, schedulerReport('ga'))).toEqual({scheduler: 'docker-local'})
  })
})

describe('output graduate cannot read', () => {
  it('says which command printed what, and what was expected', () => {
    const error = unexpected(() => parseAppsReport(' !     App ga does not exist', appsReport('ga')))

    expect(error.message).toBe('`apps:report ga --format json` printed output graduate cannot read (expected one JSON document): " !     App ga does not exist"')
    expect(error.exitCode).toBe(ExitCode.Preflight)
    expect(error.code).toBe('unexpected_output')
    expect(error.hint).toMatch(/Dokku 0\.38/)
  })

  it('names the missing key and quotes at most the first 200 characters', () => {
    const output = JSON.stringify({'deploy-source': 'git-push', padding: 'x'.repeat(500)})
    const error = unexpected(() => parseAppsReport(output, appsReport('ga')))

    expect(error.message).toMatch(/deploy-source-metadata: /)
    expect(error.excerpt).toBe(`${output.slice(0, 200)}…`)
    expect(error.message).not.toContain('x'.repeat(250))
  })
})
