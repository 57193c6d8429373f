import {fileURLToPath} from 'node:url'

import {beforeAll, describe, expect, test} from 'vitest'

import {UsageError} from '../../../src/errors.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {loadManifest} from '../../../src/manifest/load.js'
import {resolveEnvironment, resolveGraduation} from '../../../src/manifest/resolve.js'
import type {Manifest} from '../../../src/manifest/types.js'

const fullPath = fileURLToPath(new URL('../../fixtures/manifests/good/full.yml', import.meta.url))

let manifest: Manifest
beforeAll(async () => {
  manifest = await loadManifest(fullPath, {env: {QA_PORT: '2222', PROD_HOST: 'prod.example.com', REGION: 'eu'}, displayPath: 'full.yml'})
})

function usageErrorOf(action: () => unknown): UsageError {
  let caught: unknown
  try {
    action()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(UsageError)
  expect((caught as UsageError).exitCode).toBe(ExitCode.Usage)
  return caught as UsageError
}

describe('resolveGraduation', () => {
  test('maps every app from its source to its target', () => {
    const graduation = resolveGraduation(manifest, 'staging', 'production')

    expect(graduation.manifestPath).toBe(fullPath)
    expect([graduation.from, graduation.to, graduation.skipped]).toEqual(['staging', 'production', []])
    expect(graduation.apps.map(({name, source, target}) => [name, source.host.display, source.app, target.host.display, target.app])).toEqual([
      ['api', 'dokku@[2001:db8::7]:2200', 'api', 'dokku@prod.example.com:22', 'api'],
      ['web', 'dokku@[2001:db8::7]:2200', 'web', 'dokku@prod.example.com:22', 'web-eu'],
      ['worker', 'dokku@[2001:db8::7]:2200', 'worker', 'dokku@jobs.example.com:22', 'worker'],
    ])
    expect(graduation.options).toBe(manifest.options)
  })

  test('keeps only the hooks for the target environment, and points run hooks at the target app', () => {
    const intoProduction = resolveGraduation(manifest, 'staging', 'production').hooks
    expect(intoProduction.pre.map((hook) => hook.label)).toEqual(['Back up the database ${literal}'])
    expect(intoProduction.post).toEqual([
      {
        label: 'Migrate',
        phase: 'post',
        timeoutMs: 5_400_000,
        action: {
          kind: 'run',
          app: 'api',
          command: 'bin/migrate --env ${RAILS_ENV}',
          target: manifest.locations.production?.api,
        },
      },
    ])
    expect([intoProduction.released, intoProduction.aborted]).toEqual([[], []])

    const intoQa = resolveGraduation(manifest, 'dev', 'qa').hooks
    expect(intoQa.post.map((hook) => [hook.label, hook.action.kind])).toEqual([['Warm caches', 'local']])
  })

  test('may jump over environments, and says which', () => {
    const graduation = resolveGraduation(manifest, 'dev', 'production')
    expect(graduation.skipped).toEqual(['qa', 'staging'])
    expect(graduation.apps[0]?.source.host.display).toBe('deploy@dev.example.com:22')
  })

  test('--only narrows the apps, in manifest order', () => {
    const graduation = resolveGraduation(manifest, 'qa', 'staging', {only: ['worker', 'api']})
    expect(graduation.apps.map((app) => app.name)).toEqual(['api', 'worker'])
  })

  test('an unknown environment suggests the close one and lists the chain', () => {
    const error = usageErrorOf(() => resolveGraduation(manifest, 'staging', 'prod'))
    expect(error.message).toBe('unknown environment "prod"; did you mean "production"?')
    expect(error.hint).toBe('full.yml defines dev → qa → staging → production')

    expect(usageErrorOf(() => resolveGraduation(manifest, 'local', 'production')).message).toBe(
      'unknown environment "local"; expected one of: dev, qa, staging, production',
    )
  })

  test('promotion goes forward along the chain', () => {
    const error = usageErrorOf(() => resolveGraduation(manifest, 'production', 'staging'))
    expect(error.message).toBe('cannot graduate production into staging: promotion goes forward along the chain dev → qa → staging → production')
    expect(error.hint).toBe('did you mean `graduate staging production`? To go back to an earlier release, use `graduate rollback staging`')
  })

  test('an environment cannot graduate into itself', () => {
    const error = usageErrorOf(() => resolveGraduation(manifest, 'qa', 'qa'))
    expect(error.message).toBe('qa is both the source and the target; graduate from one environment into a later one')
  })

  test('--only with unknown apps names them, with suggestions', () => {
    const error = usageErrorOf(() => resolveGraduation(manifest, 'qa', 'staging', {only: ['api', 'wbe', 'billing']}))
    expect(error.message).toBe('--only names apps that are not in the manifest: wbe (did you mean web?), billing')
    expect(error.hint).toBe('the apps are: api, web, worker')
    expect(usageErrorOf(() => resolveGraduation(manifest, 'qa', 'staging', {only: []})).message).toBe('--only names no app')
  })
})

describe('resolveEnvironment', () => {
  test("lists the environment's apps and each of its hosts once", () => {
    const production = resolveEnvironment(manifest, 'production')
    expect(production.name).toBe('production')
    expect(production.apps.map(({name, app, host}) => [name, app, host.display])).toEqual([
      ['api', 'api', 'dokku@prod.example.com:22'],
      ['web', 'web-eu', 'dokku@prod.example.com:22'],
      ['worker', 'worker', 'dokku@jobs.example.com:22'],
    ])
    expect(production.hosts.map((host) => host.display)).toEqual(['dokku@prod.example.com:22', 'dokku@jobs.example.com:22'])
  })

  test('an unknown environment is a usage error', () => {
    expect(usageErrorOf(() => resolveEnvironment(manifest, 'stagign')).message).toBe('unknown environment "stagign"; did you mean "staging"?')
  })
})
