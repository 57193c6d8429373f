import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, test} from 'vitest'

import {gateFacts} from '../../src/dokku/commands/gate.js'
import {parseGateFacts} from '../../src/dokku/parse/gate.js'
import type {PluginHost} from './harness.js'
import {GateScenario, ID, NEW_REV, OLD_REV, useGateScenario} from './scenario.js'

/*
 * graduate:facts: everything graduate reads of a list of apps, in one JSON document. Dokku's plain
 * properties are read where Dokku keeps them ($DOKKU_LIB_ROOT/config/<plugin>/<app>/<key>); what only
 * Dokku's commands can say (config keys, the revision variable's value, the registry, the domains)
 * comes from the stubbed `dokku` on the host.
 */

let scenario: GateScenario
let host: PluginHost

useGateScenario((created) => {
  scenario = created
  host = created.host
})

function setProperty(plugin: string, app: string, key: string, value: string): void {
  const dir = path.join(host.libRoot, 'config', plugin, app)
  fs.mkdirSync(dir, {recursive: true})
  // Dokku writes properties without a trailing newline; a hand-edited file may have one.
  fs.writeFileSync(path.join(dir, key), value)
}

function stubFailure(command: string, code: number): void {
  fs.mkdirSync(path.join(host.stubState, 'fail'), {recursive: true})
  fs.writeFileSync(path.join(host.stubState, 'fail', command), String(code))
}

interface FactsDocument {
  protocol: number
  version: string
  now: number
  dokku_version: string | null
  gate_hook: boolean
  errors: string[]
  apps: Array<Record<string, unknown> & {app: string; gate: Record<string, unknown>; errors: string[]}>
}

async function facts(args: string[]): Promise<FactsDocument> {
  const result = await host.verb('facts', args)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as FactsDocument
}

describe('graduate:facts', () => {
  test("reads an app's deploy, settings and config key names, and never a config value", async () => {
    setProperty('apps', 'api', 'deploy-source', 'git-push')
    setProperty('apps', 'api', 'deploy-source-metadata', OLD_REV)
    setProperty('git', 'api', 'deploy-branch', 'main\n')
    setProperty('ps', 'api', 'scale', 'web=2\nworker=1')
    setProperty('checks', 'api', 'skipped', 'web')
    setProperty('proxy', '--global', 'type', 'caddy')
    host.setConfig('api', 'DATABASE_URL', 'postgres://user:s3cret@db/api')
    fs.writeFileSync(path.join(host.dokkuRoot, 'api', 'CONTAINER.web.2'), 'c0ffee\n')

    const document = await facts(['--config', '--rev', 'api'])
    expect(document).toMatchObject({protocol: 4, version: '0.4.1', dokku_version: 'dokku version 0.38.27', gate_hook: true, errors: []})
    expect(document.apps).toEqual([
      {
        app: 'api',
        exists: true,
        deploy_source: 'git-push',
        deploy_source_metadata: OLD_REV,
        deploy_branch: 'main',
        rev_env_var: 'GIT_REV',
        rev_env_value: OLD_REV,
        config_keys: ['DATABASE_URL', 'GIT_REV'],
        registry: {push_on_release: false, server: null, image_repo: null, tag_version: ''},
        scale: {web: 2, worker: 1},
        containers: ['web.1', 'web.2'],
        skip_deploy: false,
        // No app value: the global one, as Dokku's computed-type.
        proxy_type: 'caddy',
        checks_disabled: [],
        checks_skipped: ['web'],
        scheduler: 'docker-local',
        domains: null,
        gate: expect.objectContaining({state: 'unarmed', id: null, containers: [], waiting: 0}),
        errors: [],
      },
    ])
    expect(JSON.stringify(document)).not.toContain('s3cret')
    // One config:keys and one config:get of the revision variable (run at once, so in either order); nothing else reads config.
    expect(host.calls().filter((call) => call.startsWith('dokku config:')).sort()).toEqual(['dokku config:get api GIT_REV', 'dokku config:keys api'])
  })

  test("asks the config plugin's config_sub, as Dokku's config_get does, where the host has it: no dokku command per app", async () => {
    host.withConfigSub()
    host.setConfig('api', 'GIT_REV', OLD_REV)
    const [api] = (await facts(['--config', '--rev', 'api'])).apps
    expect(api).toMatchObject({rev_env_value: OLD_REV, config_keys: expect.arrayContaining(['GIT_REV'])})
    expect(host.calls().filter((call) => call.startsWith('config_sub ')).sort()).toEqual(['config_sub get api GIT_REV', 'config_sub keys api'])
    expect(host.calls().filter((call) => call.startsWith('dokku config:'))).toEqual([])
  })

  test("uses Dokku's defaults for what an app never set, and asks no config without --config or --rev", async () => {
    host.addApp('fresh', {image: scenario.oldImage})
    const [fresh] = (await facts(['fresh'])).apps
    expect(fresh).toMatchObject({
      deploy_source: '',
      deploy_source_metadata: '',
      deploy_branch: 'master',
      rev_env_var: 'GIT_REV',
      rev_env_value: null,
      config_keys: null,
      scale: {},
      proxy_type: 'nginx',
      scheduler: 'docker-local',
      skip_deploy: false,
    })
    expect(host.calls().filter((call) => call.startsWith('dokku config:'))).toEqual([])
  })

  test('answers every app of the list in order, a missing one as not existing, with its gate state', async () => {
    host.addApp('web', {image: scenario.oldImage, rev: OLD_REV, revVar: 'SOURCE_VERSION'})
    await scenario.arm()
    const document = await facts(['--config', '--rev', 'web', 'nope', 'api'])
    expect(document.apps.map((app) => [app.app, app.exists])).toEqual([
      ['web', true],
      ['nope', false],
      ['api', true],
    ])
    expect(document.apps[0]).toMatchObject({rev_env_var: 'SOURCE_VERSION', rev_env_value: OLD_REV, gate: {state: 'unarmed'}})
    expect(document.apps[1]).toEqual({app: 'nope', exists: false, errors: [], gate: expect.objectContaining({state: 'unarmed'})})
    expect(document.apps[2]?.gate).toMatchObject({state: 'armed', id: ID, rev: NEW_REV, lease: 60})
  })

  test('asks the registry only of an app that pushes its releases, and the domains only when asked', async () => {
    host.addApp('pushed', {image: scenario.oldImage})
    setProperty('registry', 'pushed', 'push-on-release', 'true')
    setProperty('registry', 'pushed', 'tag-version', '7\n')
    fs.writeFileSync(path.join(host.stubState, 'apps', 'pushed', 'registry.json'), JSON.stringify({'computed-server': 'registry.example.test/', 'computed-image-repo': 'team/pushed'}))
    fs.writeFileSync(path.join(host.stubState, 'apps', 'api', 'domains.json'), JSON.stringify({'app-vhosts': 'api.example.test  api.dokku.test', 'global-vhosts': 'dokku.test'}))
    const document = await facts(['--domains', 'pushed', 'api'])
    expect(document.apps[0]?.registry).toEqual({push_on_release: true, server: 'registry.example.test/', image_repo: 'team/pushed', tag_version: '7'})
    expect(document.apps[1]).toMatchObject({registry: {push_on_release: false}, domains: {app: ['api.example.test', 'api.dokku.test'], global: ['dokku.test']}})
    expect(host.calls().filter((call) => call.startsWith('dokku registry:'))).toEqual(['dokku registry:report pushed --format json'])
  })

  test("prints the revision variable's value only when it is a revision", async () => {
    host.setConfig('api', 'GIT_REV', 'not a revision; maybe a secret')
    const [api] = (await facts(['--rev', 'api'])).apps
    expect(api?.rev_env_value).toBeNull()
    expect(JSON.stringify(api)).not.toContain('secret')
  })

  test('reads the key names with --config and the revision variable with --rev, each with its one Dokku command', async () => {
    const keysOnly = await facts(['--config', 'api'])
    expect(keysOnly.apps[0]).toMatchObject({config_keys: ['GIT_REV'], rev_env_value: null})
    expect(host.calls().filter((call) => call.startsWith('dokku config:'))).toEqual(['dokku config:keys api'])
    const revOnly = await facts(['--rev', 'api'])
    expect(revOnly.apps[0]).toMatchObject({config_keys: null, rev_env_value: OLD_REV})
  })

  test("names the Dokku command that failed in the app's errors and still answers the rest", async () => {
    stubFailure('config:keys', 1)
    const document = await facts(['--config', 'api'])
    expect(document.apps[0]).toMatchObject({exists: true, config_keys: null, deploy_branch: 'master', errors: ['dokku config:keys api exited 1: stubbed failure of config:keys']})
  })

  test('says when Dokku cannot tell its version', async () => {
    stubFailure('version', 2)
    const document = await facts(['api'])
    expect(document).toMatchObject({dokku_version: null, errors: ['dokku version exited 2: stubbed failure of version']})
  })

  test('says when the hold hook is not enabled', async () => {
    fs.rmSync(path.join(host.enabledPath, 'zz-graduate-gate'), {recursive: true, force: true})
    expect((await facts(['api'])).gate_hook).toBe(false)
  })

  test.each([
    {args: [], message: 'usage: graduate:facts'},
    {args: ['Api'], message: "invalid app name 'Api'"},
    {args: ['--values', 'api'], message: "unknown option '--values'"},
  ])('refuses $args with exit 1', async ({args, message}) => {
    const result = await host.verb('facts', args)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(message)
  })

  test("is what graduate's parser reads: the verb's own output, parsed", async () => {
    await scenario.arm()
    setProperty('apps', 'api', 'deploy-source', 'git-push')
    setProperty('apps', 'api', 'deploy-source-metadata', OLD_REV)
    const result = await host.verb('facts', ['--config', '--rev', '--domains', 'api', 'nope'])
    const facts = parseGateFacts(result.stdout, gateFacts(['api', 'nope'], {config: true, rev: true, domains: true}))
    expect(facts.apps.map((app) => [app.app, app.exists, app.gate.state])).toEqual([
      ['api', true, 'armed'],
      ['nope', false, 'unarmed'],
    ])
    expect(facts.apps[0]).toMatchObject({deploySourceMetadata: OLD_REV, configKeys: ['GIT_REV'], revEnvValue: OLD_REV, domains: {app: [], global: []}})
  })

  test('leaves no scratch directory behind', async () => {
    const tmp = fs.mkdtempSync(path.join(host.dir, 'tmp-'))
    const result = await host.run(path.join(host.pluginDir, 'subcommands', 'facts'), ['graduate:facts', '--config', 'api'], {env: {TMPDIR: tmp}})
    expect(result.code).toBe(0)
    expect(fs.readdirSync(tmp)).toEqual([])
  })
})
