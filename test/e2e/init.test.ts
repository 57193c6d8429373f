import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadManifest} from '../../src/manifest/index.js'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {runCli, scratchHome} from '../support/cli.js'
import {simApp} from '../support/sim-client.js'

/*
 * `graduate init` writes a manifest from the apps it finds: dev has api, web and scratch; production has
 * api, web and legacy. The manifest gets api and web, names the others in a comment, loads, validates,
 * and is good enough for `graduate doctor` as written.
 */
describe('graduate init', () => {
  let sim: Simulator
  let dir: string
  let manifest: string

  const envFlags = () => ['--env', `dev=dokku@127.0.0.1:${sim.host('dev').port}`, '--env', `production=dokku@127.0.0.1:${sim.host('prod').port}`]
  /** known_hosts beside the manifest, as a repository keeps it; the key elsewhere. */
  const keyFlags = () => ['--identity-file', sim.clientKeyPath, '--known-hosts-file', path.join(dir, 'known_hosts')]
  const init = (args: string[]) => runCli(['init', ...args, '-m', manifest], {env: scratchHome().env})

  beforeAll(async () => {
    sim = await startSimulator({
      hosts: [
        {name: 'dev', apps: [simApp('api'), simApp('web'), simApp('scratch')]},
        {name: 'prod', apps: [simApp('api'), simApp('web'), simApp('legacy')]},
      ],
    })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-init-'))
    manifest = path.join(dir, 'graduate.yml')
    fs.copyFileSync(sim.knownHostsPath, path.join(dir, 'known_hosts'))
  })

  afterAll(async () => {
    await sim?.stop()
  })

  it('refuses fewer than two environments, or one not written name=host, before connecting', async () => {
    const one = await init(['--env', `dev=dokku@127.0.0.1:${sim.host('dev').port}`])
    expect(one.code).toBe(2)
    expect(one.stderr).toContain('needs at least two environments')
    const bare = await init(['--env', 'dev', '--env', 'production=dokku@prod'])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('--env "dev" is not name=host')
    const reserved = await init(['--env', 'plan=dokku@dev', '--env', 'production=dokku@prod'])
    expect(reserved.code).toBe(2)
    expect(reserved.stderr).toContain('is also a graduate command')
    expect(fs.existsSync(manifest)).toBe(false)
  })

  it('checks host keys as strictly as every command', async () => {
    const empty = path.join(dir, 'empty_known_hosts')
    fs.writeFileSync(empty, '')
    const result = await init([...envFlags(), '--identity-file', sim.clientKeyPath, '--known-hosts-file', empty])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('host key not known')
    expect(fs.existsSync(manifest)).toBe(false)
  })

  it('writes the apps every environment has, and names the others in a comment', async () => {
    const result = await init([...envFlags(), ...keyFlags()])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`wrote ${manifest}: 2 apps (api, web) across dev → production`)
    expect(result.stdout).toContain('left out, only in dev: scratch')
    expect(result.stdout).toContain('left out, only in production: legacy')
    const text = fs.readFileSync(manifest, 'utf8')
    expect(text).toMatch(/^apps:\n {2}api:\n {2}web:\n/m)
    expect(text).toContain('#   only in dev: scratch')
    expect(text).toContain('#   only in production: legacy')
    expect(text).toContain('# post:')
    expect(text).toContain(`    identityFile: ${sim.clientKeyPath}\n    knownHostsFile: ./known_hosts\n`)
  })

  it('loads as a manifest, and graduate validate accepts it', async () => {
    const loaded = await loadManifest(manifest)
    expect(loaded.chain).toEqual(['dev', 'production'])
    expect(loaded.apps).toEqual(['api', 'web'])
    expect(loaded.locations['production']!['api']).toMatchObject({app: 'api', host: {host: '127.0.0.1', port: sim.host('prod').port, identityFile: sim.clientKeyPath, knownHostsFile: path.join(dir, 'known_hosts')}})
    const validate = await runCli(['validate', '-m', manifest], {env: scratchHome().env})
    expect(validate.code, validate.stderr).toBe(0)
    expect(validate.stdout).toContain('is valid: 2 apps (api, web) across dev → production')
  })

  it('is usable as written: doctor finds every host and app ready', async () => {
    const doctor = await runCli(['doctor', '-m', manifest], {env: scratchHome().env})
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0)
    expect(doctor.stdout).toContain('0 failures')
  })

  it('leaves an existing file alone unless --force', async () => {
    fs.appendFileSync(manifest, '# my edits\n')
    const again = await init([...envFlags(), ...keyFlags()])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already exists')
    expect(fs.readFileSync(manifest, 'utf8')).toContain('# my edits')
    const forced = await init([...envFlags(), ...keyFlags(), '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(fs.readFileSync(manifest, 'utf8')).not.toContain('# my edits')
    expect(fs.readdirSync(dir).sort()).toEqual(['empty_known_hosts', 'graduate.yml', 'known_hosts'])
  })
})
