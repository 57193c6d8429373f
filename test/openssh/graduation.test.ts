import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from '../simulator/index.js'
import {runCli, scratchHome, writeManifest} from '../support/cli.js'
import {liveRev, ssh} from '../support/sim-client.js'
import {type Agent, dokkuAuthorizedKey, generateKey, localUser, opensshAvailable, SKIP_MESSAGE, type Sshd, startAgent, startSshd} from './harness/openssh.js'

/*
 * Whole graduations over real OpenSSH, the way operators reach production: hosts named by ~/.ssh/config
 * aliases behind a ProxyJump bastion, the only key in ssh-agent (no key file on disk), and a hashed
 * known_hosts. Each simulated Dokku host is served by its own sshd whose authorized_keys line carries
 * sshcommand's forced command into the host's `dokku`, so every command, push and fetch goes through
 * real sshd and a real Dokku-style SSH_ORIGINAL_COMMAND dispatch.
 */
describe.skipIf(!opensshAvailable)(opensshAvailable ? 'graduating over OpenSSH through a bastion' : SKIP_MESSAGE, () => {
  let sim: Simulator
  let home: {dir: string; env: NodeJS.ProcessEnv}
  let agent: Agent
  let bastion: Sshd
  const dokkuHosts: Record<string, Sshd> = {}
  let manifest: string

  beforeAll(async () => {
    const revision = (app: string, version: string) => ({message: `${app} ${version}`, files: {'app.txt': `${app} ${version}`}})
    sim = await startSimulator({
      repos: {api: [revision('api', 'v1'), revision('api', 'v2')], web: [revision('web', 'v1'), revision('web', 'v2')]},
      hosts: [
        {name: 'dev', releaseTailMs: 50, apps: [{name: 'api', repo: 'api', deploy: 2}, {name: 'web', repo: 'web', deploy: 2}]},
        {name: 'production', releaseTailMs: 50, apps: [{name: 'api', repo: 'api', deploy: 1}, {name: 'web', repo: 'web', deploy: 1}]},
      ],
    })

    home = scratchHome()
    const sshDir = path.join(home.dir, '.ssh')
    fs.mkdirSync(sshDir, {mode: 0o700})
    const keyDir = fs.mkdtempSync(path.join(home.dir, 'keys-'))
    const key = await generateKey(keyDir, 'operator_ed25519', 'ed25519')
    agent = await startAgent(home.dir)
    await agent.add(key)
    // Keys only in the agent: nothing on disk for graduate to fall back to.
    fs.rmSync(keyDir, {recursive: true})

    const [dev, production, jump] = await Promise.all([
      startSshd({authorizedKeys: [dokkuAuthorizedKey(key, `${sim.paths('dev').binDir}/dokku`)]}),
      startSshd({authorizedKeys: [dokkuAuthorizedKey(key, `${sim.paths('production').binDir}/dokku`)]}),
      startSshd({authorizedKeys: [key.publicLine], allowTcpForwarding: true}),
    ])
    Object.assign(dokkuHosts, {dev, production})
    bastion = jump!

    const knownHosts = path.join(sshDir, 'known_hosts')
    fs.writeFileSync(knownHosts, [dev!, production!, bastion].flatMap((sshd) => sshd.knownHostsLines()).join('\n') + '\n')
    execFileSync('ssh-keygen', ['-H', '-f', knownHosts], {stdio: 'ignore'})
    fs.rmSync(`${knownHosts}.old`, {force: true})

    const alias = (name: string, sshd: Sshd, extra: string[] = []) => [`Host ${name}`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${localUser}`, ...extra]
    fs.writeFileSync(
      path.join(sshDir, 'config'),
      [...alias('dokku-dev', dev!, ['  ProxyJump bastion']), ...alias('dokku-production', production!, ['  ProxyJump bastion']), ...alias('bastion', bastion), 'Host *', '  GlobalKnownHostsFile /dev/null', ''].join('\n'),
    )
    home.env = {...home.env, SSH_AUTH_SOCK: agent.socket}
    manifest = writeManifest({environments: {dev: {host: 'dokku-dev'}, production: {host: 'dokku-production'}}, apps: {api: null, web: null}})
  })

  afterAll(async () => {
    await Promise.all([bastion, ...Object.values(dokkuHosts)].map((sshd) => sshd?.stop()))
    await agent?.stop()
    await sim?.stop()
    if (home) fs.rmSync(home.dir, {recursive: true, force: true})
  })

  const graduate = (extra: string[] = []) => runCli(['dev', 'production', '--yes', '--json', '-m', manifest, ...extra], {env: home.env})
  const logins = (sshd: Sshd) => (sshd.log().match(/Accepted publickey for /g) ?? []).length

  it('aborts every app when one fails its checks, leaving production on its old revisions', async () => {
    expect((await ssh(sim, 'production', ['config:set', '--no-restart', 'web', 'SIM_CHECK_FAILS=1'])).code).toBe(0)
    try {
      const result = await graduate()
      expect(result.code, result.stderr).toBe(1)
      expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'aborted', exitCode: 1})
      expect(String(result.events.at(-1)!['cause'])).toMatch(/web on .*health checks failed/)
    } finally {
      await ssh(sim, 'production', ['config:unset', '--no-restart', 'web', 'SIM_CHECK_FAILS'])
    }
    for (const app of ['api', 'web']) expect(await liveRev(sim, 'production', app), app).toBe(sim.revisions[app]![0])
  })

  it('releases every app through the bastion, each host reached by its alias with the agent key', async () => {
    const bastionLogins = logins(bastion)
    const result = await graduate(['--verbose'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.events.at(-1)).toMatchObject({type: 'summary', outcome: 'graduated', exitCode: 0})
    for (const app of ['api', 'web']) expect(await liveRev(sim, 'production', app), app).toBe(sim.revisions[app]![1])

    // Reached as ~/.ssh/config says: the alias resolved, through the bastion, with only the agent's key.
    const hostEvents = result.events.filter((event) => event.type === 'host' && event['state'] === 'connected')
    expect(hostEvents.map((event) => event['host']).sort()).toEqual(['dokku@dokku-dev:22', 'dokku@dokku-production:22'])
    const production = hostEvents.find((event) => event['host'] === 'dokku@dokku-production:22')!['settings'] as string[]
    expect(production[0]).toBe(`${localUser}@dokku-production:${dokkuHosts['production']!.port}: host 127.0.0.1 (ssh config), port ${dokkuHosts['production']!.port} (ssh config), user ${localUser} (ssh config)`)
    const via = production.find((line) => line.startsWith(`  via ${localUser}@bastion:${bastion.port}: `))
    expect(via).toContain(
      `host 127.0.0.1 (ssh config), port ${bastion.port} (ssh config), user ${localUser} (ssh config); ` +
        `keys: ssh-agent at ~/${path.basename(agent.socket)}; no key file; host key checked against ~/.ssh/known_hosts`,
    )
    expect(logins(bastion)).toBeGreaterThan(bastionLogins)
    // Pushes and fetches went through the forced command too: production's deploy branch now holds v2.
    const state = sim.state().hosts.find((host) => host.name === 'production')!
    for (const app of ['api', 'web']) expect(state.apps.find((entry) => entry.name === app)!.branchSha).toBe(sim.revisions[app]![1])
  })
})
