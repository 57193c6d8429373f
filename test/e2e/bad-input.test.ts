import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {simApp} from '../support/sim-client.js'
import {REPOSITORY, runCli, scratchHome, simEnvironment, writeManifest} from '../support/cli.js'
import {expectedReports} from '../fixtures/manifests/bad-expectations.js'

/*
 * Bad input through the built binary: every problem reported as file:line:col path: message, exit 2,
 * and no host contacted.
 */
const badDirectory = path.join(REPOSITORY, 'test', 'fixtures', 'manifests', 'bad')

describe('bad manifests', () => {
  it.each(Object.entries(expectedReports))('%s: reported with its location, exit 2', async (file, lines) => {
    const result = await runCli(['dev', 'production', '--yes', '-m', file], {cwd: badDirectory})
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    // The graduation never started: no connect stage, so no host was contacted.
    expect(result.stderr).not.toMatch(/==> connect/)
    const reported = result.stderr.replace(/^Error: /, '').split('\n')
    expect(reported.slice(0, lines.length)).toEqual(lines)
    expect(result.stderr).toContain('Try this: ')
  })

  it('prints the same problems as one JSON summary with --json', async () => {
    const result = await runCli(['dev', 'production', '--yes', '--json', '-m', 'unknown-key.yml'], {cwd: badDirectory})
    expect(result.code).toBe(2)
    expect(result.events).toHaveLength(1)
    expect(result.events[0]).toMatchObject({
      type: 'summary',
      outcome: 'refused',
      exitCode: 2,
      error: {code: 'manifest_invalid', issues: [{file: 'unknown-key.yml', line: 5, column: 5, path: 'environments.production.hots'}]},
    })
  })

  it('refuses a manifest over 1 MB at once, before parsing it, exit 2', async () => {
    // A hook command of 2 MB: the file is well-formed YAML, only too big.
    const file = writeManifest({
      environments: {dev: {host: 'dokku@dev.example.com'}, production: {host: 'dokku@prod.example.com'}},
      apps: {api: null},
      hooks: {post: [{label: 'huge', local: `echo ${'x'.repeat(2 * 1024 * 1024)}`}]},
    })
    const result = await runCli(['validate', '-m', file])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: \S+graduate\.yml:1:1 the file is 2\.0 MB; graduate reads manifests of at most 1 MB \(1048576 bytes\), so it was not parsed\n/)
    expect(result.stderr).toContain('Try this: a manifest names environments, apps and hooks in a few kilobytes')
  })

  it('names a manifest that does not exist and how to get one', async () => {
    const result = await runCli(['dev', 'production', '--yes', '-m', 'nowhere.yml'], {cwd: badDirectory})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/nowhere\.yml/)
    expect(result.stderr).toMatch(/graduate init/)
  })
})

describe('bad arguments against a real manifest', () => {
  let sim: Simulator
  let manifest: string

  beforeAll(async () => {
    sim = await startSimulator({hosts: [{name: 'dev', apps: [simApp('api')]}, {name: 'production', apps: [simApp('api')]}]})
    manifest = writeManifest({
      environments: {dev: simEnvironment(sim, 'dev'), production: simEnvironment(sim, 'production')},
      apps: {api: null},
    })
  })

  afterAll(async () => {
    await sim?.stop()
  })

  const connectionsTo = () => sim.sshStats('dev').connectionsAccepted + sim.sshStats('production').connectionsAccepted

  it('refuses an unknown environment with the defined ones and a suggestion, contacting no host', async () => {
    const before = connectionsTo()
    const result = await runCli(['dev', 'prodution', '--yes', '-m', manifest])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/prodution/)
    expect(result.stderr).toMatch(/did you mean "production"/)
    expect(connectionsTo()).toBe(before)
  })

  it('refuses to graduate backwards along the chain', async () => {
    const result = await runCli(['production', 'dev', '--yes', '-m', manifest])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/dev → production|forward/)
  })

  it('refuses an unknown --only app', async () => {
    const result = await runCli(['dev', 'production', '--yes', '--only', 'apii', '-m', manifest])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/apii/)
  })

  it('refuses to run without a terminal unless --yes or --dry-run, before contacting any host', async () => {
    const before = connectionsTo()
    const result = await runCli(['dev', 'production', '-m', manifest])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--yes/)
    expect(connectionsTo()).toBe(before)
  })

  it('reports an unreachable host by name with a hint, exit 3, and changes nothing', async () => {
    const unreachable = writeManifest({
      environments: {dev: simEnvironment(sim, 'dev'), production: {...simEnvironment(sim, 'production'), host: 'dokku@127.0.0.1:1'}},
      apps: {api: null},
    })
    const result = await runCli(['dev', 'production', '--yes', '-m', unreachable], {env: scratchHome().env})
    expect(result.code).toBe(3)
    expect(result.stdout).toMatch(/dokku@127\.0\.0\.1:1: connection refused/)
    expect(result.stdout).toMatch(/Try this: /)
  })

  it('refuses a host whose key is not the one known, naming the fingerprint, exit 3', async () => {
    const otherKnownHosts = path.join(path.dirname(writeManifest({})), 'empty_known_hosts')
    fs.writeFileSync(otherKnownHosts, '')
    const changed = writeManifest({
      environments: {dev: simEnvironment(sim, 'dev'), production: simEnvironment(sim, 'production', {knownHostsFile: otherKnownHosts})},
      apps: {api: null},
    })
    const result = await runCli(['dev', 'production', '--yes', '-m', changed])
    expect(result.code).toBe(3)
    expect(result.stdout).toMatch(/host key not known: .*SHA256:[A-Za-z0-9+/]+/s)
    expect(result.stdout).toMatch(/Try this: .*ssh-keyscan/s)
  })
})
