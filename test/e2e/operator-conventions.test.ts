import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {runCli, scratchHome, writeManifest} from '../support/cli.js'
import {scenarioConfig, scenarioManifest, scratchFile} from './scenario.js'

/*
 * Conventions taken from Terraform and Dokku's tooling: `graduate plan --detailed-exitcode` for
 * scheduled CI promotions, and --accept-new-host-keys on every command that connects.
 */
describe('plan --detailed-exitcode and --accept-new-host-keys', () => {
  let sim: Simulator

  beforeAll(async () => {
    sim = await startSimulator(scenarioConfig(scratchFile('migrations.log')))
  })

  afterAll(async () => {
    await sim?.stop()
  })

  /** The scenario's manifest with every environment pinning its host keys in `knownHosts`. */
  const manifestWith = (knownHosts: string) => {
    const base = scenarioManifest(sim) as {environments: Record<string, Record<string, unknown>>}
    const environments = Object.fromEntries(Object.entries(base.environments).map(([name, env]) => [name, {...env, knownHostsFile: knownHosts}]))
    return writeManifest({...base, environments})
  }
  const cli = (args: string[]) => runCli(args, {env: scratchHome().env})

  it('plan --detailed-exitcode exits 2 with changes pending, 0 with nothing to do, 1 on any error', async () => {
    const manifest = manifestWith(sim.knownHostsPath)
    const pending = await cli(['plan', 'dev', 'production', '--detailed-exitcode', '-m', manifest])
    expect(pending.code, pending.stdout + pending.stderr).toBe(2)
    expect(pending.stdout).toContain('Plan dev → production: 3 to deploy')

    // docs runs its first revision in both environments.
    const nothing = await cli(['plan', 'dev', 'production', '--only', 'docs', '--detailed-exitcode', '-m', manifest])
    expect(nothing.code, nothing.stdout + nothing.stderr).toBe(0)

    // Without the flag a bad environment is the table's usage error (2); with it, every error is 1, so 2 always means "changes pending".
    const usage = await cli(['plan', 'dev', 'qa', '-m', manifest])
    expect(usage.code).toBe(2)
    const usageDetailed = await cli(['plan', 'dev', 'qa', '--detailed-exitcode', '-m', manifest])
    expect(usageDetailed.code).toBe(1)
    expect(usageDetailed.stderr).toContain('Error:')

    // An unknown host key is a preflight failure (3) in the table, and 1 here.
    const unknownKey = await cli(['plan', 'dev', 'production', '--detailed-exitcode', '-m', manifestWith(scratchFile('known_hosts'))])
    expect(unknownKey.code).toBe(1)
    expect(unknownKey.stderr).toContain('--accept-new-host-keys')
  })

  /** Every command that connects, with what it is run with and which hosts it reaches. */
  function connectingCommands(): Array<{name: string; args: (manifest: string, knownHosts: string) => string[]; hosts: number[]}> {
    const ports = ['dev', 'prod-1', 'prod-2'].map((host) => sim.host(host).port)
    return [
      {name: 'promote --dry-run', args: (m) => ['dev', 'production', '--dry-run', '-m', m], hosts: ports},
      {name: 'plan', args: (m) => ['plan', 'dev', 'production', '-m', m], hosts: ports},
      {name: 'rollback --dry-run', args: (m) => ['rollback', 'production', '--dry-run', '--yes', '-m', m], hosts: ports.slice(1)},
      {name: 'status', args: (m) => ['status', 'production', '-m', m], hosts: ports.slice(1)},
      {name: 'abort', args: (m) => ['abort', 'production', '--yes', '-m', m], hosts: ports.slice(1)},
      {name: 'unlock', args: (m) => ['unlock', 'production', '--yes', '-m', m], hosts: ports.slice(1)},
      {name: 'resume', args: (m) => ['resume', '20261123T101500Z-3f9a', '--yes', '-m', m], hosts: ports.slice(1)},
      {name: 'history', args: (m) => ['history', 'production', '-m', m], hosts: ports.slice(1)},
      {name: 'doctor', args: (m) => ['doctor', 'production', '-m', m], hosts: ports.slice(1)},
      {name: 'gate install', args: (m) => ['gate', 'install', 'production', '--yes', '-m', m], hosts: ports.slice(1)},
      {name: 'gate upgrade', args: (m) => ['gate', 'upgrade', 'production', '--yes', '-m', m], hosts: ports.slice(1)},
      {
        name: 'init',
        args: (_m, knownHosts) => [
          'init',
          '--env', `dev=dokku@127.0.0.1:${ports[0]}`,
          '--env', `production=dokku@127.0.0.1:${ports[1]}`,
          '--identity-file', sim.clientKeyPath,
          '--known-hosts-file', knownHosts,
          '-m', path.join(path.dirname(knownHosts), 'graduate.yml'),
        ],
        hosts: ports.slice(0, 2),
      },
    ]
  }

  // One test per command, each with its own time limit: two dozen CLI runs in a row outlast one limit on a loaded machine.
  it.each(['promote --dry-run', 'plan', 'rollback --dry-run', 'status', 'abort', 'unlock', 'resume', 'history', 'doctor', 'gate install', 'gate upgrade', 'init'])(
    '%s takes --accept-new-host-keys, records the new keys and says so',
    async (name) => {
      const command = connectingCommands().find((candidate) => candidate.name === name)!
      const knownHosts = scratchFile('known_hosts')
      fs.writeFileSync(knownHosts, '')
      const manifest = manifestWith(knownHosts)
      const refused = await cli(command.args(manifest, knownHosts))
      expect(refused.stdout + refused.stderr, `${command.name} refuses an unknown host key by default`).toContain('host key not known')
      // A host that cannot be asked is never taken for one with nothing on it ("nothing to abort", "not locked").
      expect(refused.code, `${command.name} exits 3 when it cannot reach a host`).toBe(3)
      expect(fs.readFileSync(knownHosts, 'utf8'), `${command.name} recorded nothing without the flag`).toBe('')

      const accepted = await cli([...command.args(manifest, knownHosts), '--accept-new-host-keys'])
      const output = accepted.stdout + accepted.stderr
      expect(output, `${command.name} connects`).not.toContain('host key not known')
      expect(output, `${command.name} says it recorded the keys`).toMatch(/permanently added \[127\.0\.0\.1\]:\d+ \(ssh-ed25519\s+SHA256:[^)]+\)\s+to\s+\S+,\s+as\s+--accept-new-host-keys\s+asked/)
      // Entries may be hashed (HashKnownHosts), so count them: one per distinct host the command reached.
      const recorded = fs.readFileSync(knownHosts, 'utf8').split('\n').filter((line) => line.trim() !== '')
      expect(recorded, `${command.name} recorded one key per host`).toHaveLength(command.hosts.length)
    },
  )
})
