import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, test} from 'vitest'

import {ManifestError, UsageError} from '../../../src/errors.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {loadManifest} from '../../../src/manifest/load.js'

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))
const goodDirectory = fileURLToPath(new URL('../../fixtures/manifests/good/', import.meta.url))
const examplePath = join(repositoryRoot, 'graduate.yml')

describe('the example graduate.yml', () => {
  test('loads, with the variable it interpolates set', async () => {
    const manifest = await loadManifest(examplePath, {env: {PROD_HOST: 'prod-1.example.com'}, displayPath: 'graduate.yml'})

    expect(manifest.chain).toEqual(['dev', 'staging', 'production'])
    expect(manifest.apps).toEqual(['api', 'web', 'worker'])
    expect(manifest.locations.staging?.api).toEqual({
      app: 'api',
      host: {host: 'staging.example.com', user: 'dokku', port: 2222, display: 'dokku@staging.example.com:2222'},
    })
    expect(manifest.locations.production?.worker).toEqual({
      app: 'worker-prod',
      host: {
        host: 'prod-jobs.example.com',
        user: 'dokku',
        identityFile: join(homedir(), '.ssh/graduate_ed25519'),
        knownHostsFile: join(repositoryRoot, 'deploy/known_hosts'),
        display: 'dokku@prod-jobs.example.com:22',
      },
    })
    expect(manifest.locations.production?.api?.host.host).toBe('prod-1.example.com')
    expect(manifest.hooks.map((hook) => [hook.phase, hook.label, hook.action.kind, hook.environments])).toEqual([
      ['post', 'Migrate the database', 'run', ['staging', 'production']],
      ['rollback', 'Restore the database snapshot', 'local', ['production']],
      ['released', 'Tell the team', 'local', ['production']],
      ['aborted', 'Tell the team it was aborted', 'local', ['production']],
    ])
    // Hook commands reach the shell as written: $SLACK_WEBHOOK_URL is the shell's to expand.
    expect(manifest.hooks[2]?.action).toMatchObject({kind: 'local', command: expect.stringContaining('"$SLACK_WEBHOOK_URL"')})
  })

  test('without PROD_HOST, names the variable', async () => {
    const error = await loadManifest(examplePath, {env: {}, displayPath: 'graduate.yml'}).catch((thrown: unknown) => thrown)
    expect((error as ManifestError).message).toBe(
      'graduate.yml:13:17 environments.production.host.hostname: ${PROD_HOST} is not set; export it or write the value in the manifest',
    )
  })
})

describe('loading good manifests', () => {
  test('a minimal manifest gets every default, and leaves user and port to ~/.ssh/config', async () => {
    const manifest = await loadManifest(join(goodDirectory, 'minimal.yml'), {env: {}})

    expect(manifest.path).toBe(join(goodDirectory, 'minimal.yml'))
    expect(manifest.directory).toBe(dirname(manifest.path))
    expect(manifest.locations.production?.api).toEqual({
      app: 'api',
      host: {host: 'prod.example.com', display: 'dokku@prod.example.com:22'},
    })
    expect(manifest.hooks).toEqual([])
    expect(manifest.options).toEqual({
      concurrency: 4,
      leaseMs: 120_000,
      timeouts: {connectMs: 20_000, commandMs: 120_000, deployMs: 1_800_000, holdMs: 3_600_000, hookMs: 1_800_000, switchMs: 30_000},
    })
  })

  test('every form: long hosts, merges, IPv6, overrides, interpolation, hooks of each kind', async () => {
    const manifest = await loadManifest(join(goodDirectory, 'full.yml'), {
      env: {QA_PORT: '2222', PROD_HOST: 'prod.example.com', REGION: 'eu'},
    })
    const {locations} = manifest

    expect(locations.dev?.api?.host).toEqual({host: 'dev.example.com', user: 'deploy', display: 'deploy@dev.example.com:22'})
    // Merged from dev's host, with hostname overridden and the port interpolated from digits.
    expect(locations.qa?.web?.host).toEqual({
      host: 'qa.example.com',
      user: 'deploy',
      port: 2222,
      identityFile: join(goodDirectory, 'keys/qa_ed25519'),
      display: 'deploy@qa.example.com:2222',
    })
    expect(locations.staging?.api?.host).toEqual({host: '2001:db8::7', user: 'dokku', port: 2200, display: 'dokku@[2001:db8::7]:2200'})
    expect(locations.production?.api?.host).toEqual({
      host: 'prod.example.com',
      user: 'dokku',
      identityFile: join(homedir(), '.ssh/prod_ed25519'),
      knownHostsFile: '/etc/graduate/known_hosts',
      display: 'dokku@prod.example.com:22',
    })
    expect(locations.production?.web?.app).toBe('web-eu')
    // A per-app long-form host keeps the environment's defaults for what it does not set itself.
    expect(locations.production?.worker).toEqual({
      app: 'worker',
      host: {
        host: 'jobs.example.com',
        identityFile: join(goodDirectory, 'keys/jobs_ed25519'),
        knownHostsFile: '/etc/graduate/known_hosts',
        display: 'dokku@jobs.example.com:22',
      },
    })

    expect(manifest.hooks).toEqual([
      {
        label: 'Back up the database ${literal}',
        phase: 'pre',
        timeoutMs: 90_000,
        environments: undefined,
        action: {
          kind: 'ssh',
          command: 'backup-now --tag "${GRADUATE_RUN}"',
          host: {host: 'db.example.com', user: 'backup', port: 2022, display: 'backup@db.example.com:2022'},
        },
      },
      {
        label: 'Migrate',
        phase: 'post',
        timeoutMs: 5_400_000,
        environments: ['staging', 'production'],
        action: {kind: 'run', app: 'api', command: 'bin/migrate --env ${RAILS_ENV}'},
      },
      {
        label: 'Warm caches',
        phase: 'post',
        timeoutMs: 300_000,
        environments: ['qa'],
        action: {kind: 'local', command: './hooks/warm.sh ${REGION}', cwd: goodDirectory.replace(/\/$/, '')},
      },
    ])
    expect(manifest.options).toEqual({
      concurrency: 8,
      leaseMs: 45_000,
      timeouts: {connectMs: 500, commandMs: 120_000, deployMs: 1_800_000, holdMs: 3_600_000, hookMs: 300_000, switchMs: 30_000},
    })
  })
})

describe('a manifest that cannot be read', () => {
  test('a missing file says so and how to get one, exit 2', async () => {
    const error = await loadManifest(join(goodDirectory, 'absent.yml'), {displayPath: 'absent.yml'}).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe('manifest absent.yml does not exist')
    expect((error as UsageError).hint).toBe('create one with `graduate init`, or pass -m <file>')
    expect((error as UsageError).exitCode).toBe(ExitCode.Usage)
  })

  test('a directory is not a manifest', async () => {
    const error = await loadManifest(goodDirectory, {displayPath: 'good/'}).catch((thrown: unknown) => thrown)
    expect((error as UsageError).message).toBe('manifest good/ is a directory')
  })
})
