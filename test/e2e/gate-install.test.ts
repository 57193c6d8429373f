import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {liveRev, ssh} from '../support/sim-client.js'
import {REPOSITORY, runCli, scratchHome, simEnvironment, writeManifest} from '../support/cli.js'

/*
 * `graduate gate install|upgrade <env>` against a production host started without the gate plugin:
 * as root over SSH it uploads the plugin this graduate ships and installs it with plugin:install, after
 * which a graduation into that host holds and releases as anywhere else. The version it installs is
 * the packaged plugin.toml's, whatever it is when the test runs.
 */
const BUNDLED = /^version = "([^"]+)"$/m.exec(fs.readFileSync(path.join(REPOSITORY, 'dokku-plugin', 'plugin.toml'), 'utf8'))![1]!

describe('installing the gate plugin', () => {
  let sim: Simulator
  let manifest: string

  const cli = (args: string[]) => runCli([...args, '-m', manifest], {env: scratchHome().env})
  const installedToml = () => path.join(sim.paths('prod').pluginAvailable, 'graduate', 'plugin.toml')
  const setInstalledVersion = (version: string) => fs.writeFileSync(installedToml(), fs.readFileSync(installedToml(), 'utf8').replace(/^version = "[^"]*"$/m, `version = "${version}"`))
  /** A file of our own in the installed plugin's directory: plugin:uninstall or a reinstall removes it. */
  const marker = () => path.join(sim.paths('prod').pluginAvailable, 'graduate', 'marker')

  beforeAll(async () => {
    const revisions = (label: string) => [1, 2].map((n) => ({message: `${label} v${n}`, files: {'app.txt': `${label} v${n}`}}))
    sim = await startSimulator({
      hosts: [
        {name: 'dev', apps: [{name: 'api', revisions: revisions('api'), deploy: 2}]},
        {name: 'prod', gate: false, apps: [{name: 'api', revisions: revisions('api'), deploy: 1}]},
      ],
    })
    manifest = writeManifest({environments: {dev: simEnvironment(sim, 'dev'), production: simEnvironment(sim, 'prod')}, apps: {api: null}, options: {lease: '30s'}})
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('starts from a host that cannot hold a deploy: preflight and history say how to install the gate', async () => {
    const graduation = await cli(['dev', 'production', '--yes'])
    expect(graduation.code).toBe(3)
    expect(graduation.stdout + graduation.stderr).toContain('graduate gate install')
    const history = await cli(['history', 'production'])
    expect(history.code).toBe(3)
    expect(history.stderr).toMatch(/has no graduate gate plugin.*\nTry this: install it: graduate gate install production/)
  })

  it('asks before changing a host, and without a terminal refuses unless --yes', async () => {
    const result = await cli(['gate', 'install', 'production'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('pass --yes')
    expect(fs.existsSync(installedToml())).toBe(false)
  })

  it('installs the packaged plugin as root with plugin:install --name graduate, through a private temp dir it removes', async () => {
    const result = await cli(['gate', 'install', 'production', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as {bundled: {version: string}; hosts: Array<Record<string, unknown>>}
    expect(report.bundled.version).toBe(BUNDLED)
    expect(report.hosts).toEqual([expect.objectContaining({host: `root@127.0.0.1:${sim.host('prod').port}`, before: null, after: BUNDLED, result: 'installed'})])
    expect(fs.readFileSync(installedToml(), 'utf8')).toContain(`version = "${BUNDLED}"`)
    expect(fs.readlinkSync(path.join(sim.paths('prod').pluginEnabled, 'graduate'))).toBe(path.join(sim.paths('prod').pluginAvailable, 'graduate'))
    expect(fs.existsSync(path.join(sim.paths('prod').pluginEnabled, 'zz-graduate-gate', 'check-deploy'))).toBe(true)
    expect(fs.readdirSync(sim.paths('prod').tmpDir).filter((entry) => entry.startsWith('tmp.'))).toEqual([])
  })

  it('is idempotent: the same version again changes nothing and asks nothing', async () => {
    fs.writeFileSync(marker(), 'still the first install')
    const result = await cli(['gate', 'install', 'production'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`unchanged: ${BUNDLED} is already installed`)
    expect(fs.existsSync(marker())).toBe(true)
  })

  it('then a graduation into that host holds and releases', async () => {
    const result = await cli(['dev', 'production', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.events.some((event) => event.type === 'app' && event['state'] === 'held')).toBe(true)
    expect(await liveRev(sim, 'prod', 'api')).toBe(sim.revisions['dev/api']![1])
  })

  it('install leaves an older plugin for upgrade, which replaces it', async () => {
    setInstalledVersion('0.0.1')
    const install = await cli(['gate', 'install', 'production', '--yes'])
    expect(install.code).toBe(3)
    expect(install.stdout).toContain('refused: an older 0.0.1 is installed')
    expect(install.stdout).toContain('fix: replace it: graduate gate upgrade production')

    const upgrade = await cli(['gate', 'upgrade', 'production', '--yes'])
    expect(upgrade.code, upgrade.stderr).toBe(0)
    expect(upgrade.stdout).toContain(`upgraded 0.0.1 → ${BUNDLED}`)
    expect(fs.readFileSync(installedToml(), 'utf8')).toContain(`version = "${BUNDLED}"`)
    expect(fs.existsSync(marker())).toBe(false)
  })

  it('refuses a gate of protocol 2 (no graduate:facts) with the exact upgrade command, and graduates after it', async () => {
    // What a host upgraded last with graduate 0.2 runs: protocol 2, no batched facts verb.
    const installed = path.join(sim.paths('prod').pluginAvailable, 'graduate')
    setInstalledVersion('0.2.1')
    const common = path.join(installed, 'lib', 'common.sh')
    fs.writeFileSync(common, fs.readFileSync(common, 'utf8').replace(/^GRADUATE_VERSION=.*$/m, 'GRADUATE_VERSION="0.2.1"').replace(/^GRADUATE_PROTOCOL=.*$/m, 'GRADUATE_PROTOCOL=2'))
    fs.rmSync(path.join(installed, 'subcommands', 'facts'))

    const refused = await cli(['dev', 'production', '--yes'])
    expect(refused.code).toBe(3)
    // The summary wraps its lines to the terminal; the words are what matter.
    const said = refused.stdout.replace(/\s+/g, ' ')
    expect(said).toContain('the gate plugin 0.2.1 speaks protocol 2; this graduate speaks 4')
    expect(said).toContain('fix: graduate gate upgrade production')

    expect((await cli(['gate', 'upgrade', 'production', '--yes'])).code).toBe(0)
    const graduated = await cli(['dev', 'production', '--yes'])
    expect(graduated.code, graduated.stderr).toBe(0)
  })

  it('refuses to downgrade a newer plugin unless --force', async () => {
    setInstalledVersion('99.0.0')
    const refused = await cli(['gate', 'upgrade', 'production', '--yes'])
    expect(refused.code).toBe(3)
    expect(refused.stdout).toContain(`refused: 99.0.0 is installed, newer than the ${BUNDLED} this graduate ships`)
    expect(fs.readFileSync(installedToml(), 'utf8')).toContain('version = "99.0.0"')

    const forced = await cli(['gate', 'upgrade', 'production', '--yes', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toContain(`downgraded 99.0.0 → ${BUNDLED}`)
  })

  it('never replaces the plugin while it holds a graduation, even with --force', async () => {
    const id = '20261123T101500Z-test'
    expect((await ssh(sim, 'prod', ['graduate:arm', 'api', id, sim.revisions['dev/api']![0]!, '60'])).code).toBe(0)
    try {
      const result = await cli(['gate', 'upgrade', 'production', '--yes', '--force'])
      expect(result.code).toBe(3)
      expect(result.stdout).toContain(`a graduation is in flight here (api armed by ${id})`)
      expect(result.stdout).toContain('graduate abort production')
    } finally {
      await ssh(sim, 'prod', ['graduate:abort', id, 'api'])
      await ssh(sim, 'prod', ['graduate:disarm', id, 'api'])
    }
  })
})
