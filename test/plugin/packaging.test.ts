import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {PluginHost, pluginSource} from './harness.js'

let host: PluginHost

beforeEach(async () => {
  host = await PluginHost.create()
})

afterEach(() => host.dispose())

const companion = (): string => path.join(host.availablePath, 'zz-graduate-gate')

describe('install and uninstall', () => {
  test('install creates the state directory and enables the companion after scheduler-docker-local', () => {
    expect(fs.statSync(host.dataDir).isDirectory()).toBe(true)
    expect(fs.statSync(path.join(host.dataDir, '_environments')).isDirectory()).toBe(true)
    const enabled = path.join(host.enabledPath, 'zz-graduate-gate')
    expect(fs.readlinkSync(enabled)).toBe(companion())
    expect(fs.readFileSync(path.join(companion(), 'plugin.toml'), 'utf8')).toMatch(/^\[plugin\.config\]$/m)
    expect(fs.statSync(path.join(companion(), 'check-deploy')).mode & 0o111).not.toBe(0)
    // plugn runs triggers in directory order: the hold must come after Dokku's own checks.
    expect(['scheduler-docker-local', 'graduate', 'zz-graduate-gate'].sort().at(-1)).toBe('zz-graduate-gate')
    // The graduate plugin itself must have no check-deploy: it would run before Dokku's checks.
    expect(fs.existsSync(path.join(host.pluginDir, 'check-deploy'))).toBe(false)
  })

  test('install is idempotent', async () => {
    const again = await host.run(path.join(host.pluginDir, 'install'), [])
    expect(again).toMatchObject({code: 0, stderr: ''})
    expect(fs.readdirSync(host.enabledPath).sort()).toEqual(['graduate', 'zz-graduate-gate'])
    expect(fs.readdirSync(companion()).sort()).toEqual(['check-deploy', 'nginx-pre-reload', 'plugin.toml'])
  })

  test('the companion holds nothing while the graduate plugin is disabled', async () => {
    host.addApp('api', {image: 'sha256:old', rev: 'a'.repeat(40)})
    await host.verb('arm', ['api', '20261123T101500Z-3f9a', 'b'.repeat(40), '60'])
    const restart = (): ReturnType<PluginHost['checkDeploy']> =>
      host.checkDeploy('api', {cid: host.addContainer('sha256:old'), buildId: 'r1', buildSource: 'ps:restart', command: 'ps:restart'})
    expect((await restart().result()).code).toBe(1)
    fs.unlinkSync(path.join(host.enabledPath, 'graduate'))
    expect(await restart().result()).toMatchObject({code: 0, output: ''})
  })

  test("uninstall removes the companion only when graduate is the plugin being removed", async () => {
    expect((await host.run(path.join(host.pluginDir, 'uninstall'), ['letsencrypt'])).code).toBe(0)
    expect(fs.existsSync(companion())).toBe(true)
    expect((await host.run(path.join(host.pluginDir, 'uninstall'), ['graduate'])).code).toBe(0)
    expect(fs.existsSync(companion())).toBe(false)
    expect(fs.existsSync(path.join(host.enabledPath, 'zz-graduate-gate'))).toBe(false)
  })
})

describe('commands', () => {
  test('exits 10 for commands it does not handle, so other plugins get them', async () => {
    for (const command of ['apps:list', 'graduate', 'graduate:nope', '']) {
      expect((await host.run(path.join(host.pluginDir, 'commands'), [command])).code).toBe(10)
    }
  })

  test('graduate:help lists every subcommand', async () => {
    const help = await host.run(path.join(host.pluginDir, 'commands'), ['graduate:help'])
    expect(help.code).toBe(0)
    const listed = [...help.stdout.matchAll(/^ {4}graduate:([a-z-]+)/gm)].map((match) => match[1]).sort()
    expect(listed).toEqual(fs.readdirSync(path.join(pluginSource, 'subcommands')).sort())
  })

  test('help prints one "name, description" line for dokku help', async () => {
    const help = await host.run(path.join(host.pluginDir, 'commands'), ['help'])
    expect(help).toMatchObject({code: 0, stdout: expect.stringMatching(/^ {4}graduate, .+\n$/)})
  })
})

test('version prints the version of plugin.toml and the protocol', async () => {
  const version = /^version = "([^"]+)"$/m.exec(fs.readFileSync(path.join(pluginSource, 'plugin.toml'), 'utf8'))?.[1]
  expect(version).toBe('0.4.1')
  expect(await host.verb('version', [])).toMatchObject({code: 0, stdout: `graduate-gate ${version} protocol 4\n`})
})

test('every script passes shellcheck -x, including the companion install writes', () => {
  const scripts = [
    ...['install', 'uninstall', 'post-delete', 'commands'].map((name) => path.join(pluginSource, name)),
    ...['subcommands', 'lib', 'gate'].flatMap((dir) =>
      fs.readdirSync(path.join(pluginSource, dir)).map((name) => path.join(pluginSource, dir, name)),
    ),
    path.join(companion(), 'check-deploy'),
    ...['docker', 'dokku'].map((name) => path.join(import.meta.dirname, 'stubs', name)),
    path.join(import.meta.dirname, 'lock-probes', 'flock'),
  ]
  expect(scripts.length).toBeGreaterThan(15)
  const result = spawnSync('shellcheck', ['-x', ...scripts], {encoding: 'utf8'})
  expect(result.error).toBeUndefined()
  expect(result.stdout + result.stderr).toBe('')
  expect(result.status).toBe(0)
})
