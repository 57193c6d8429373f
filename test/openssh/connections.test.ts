import fs from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import type {NodeSshTransport} from '../../src/ssh/node-ssh-transport.js'
import {RUN_ID_VARIABLE} from '../support/leftover-processes.js'
import {connectionError, noPassphrase, passphraseOf, type ScratchHome, scratchSshHome, settingsFrom, transport} from './harness/client.js'
import {
  type Agent,
  generateKey,
  type KeyPair,
  localUser,
  opensshAvailable,
  SKIP_MESSAGE,
  type Sshd,
  sshConnects,
  startAgent,
  startSshd,
} from './harness/openssh.js'

/*
 * Each ~/.ssh/config directive and each kind of key, against real sshd: graduate connects exactly when
 * `ssh -F <same config>` does. One target sshd (a plain shell login), two bastions that forward, and one
 * that does not, all started once for the file.
 */
describe.skipIf(!opensshAvailable)(opensshAvailable ? 'connections to real sshd follow ~/.ssh/config' : SKIP_MESSAGE, () => {
  const timeoutMs = 30_000
  let home: ScratchHome
  let target: Sshd
  let bastion: Sshd
  let inner: Sshd
  let closedBastion: Sshd
  let keys: Record<'authorized' | 'unauthorized' | 'ecdsa' | 'rsa' | 'encrypted' | 'jump', KeyPair>
  let knownHosts: string
  let agent: Agent | undefined
  let open: NodeSshTransport[] = []

  beforeAll(async () => {
    home = scratchSshHome()
    const [authorized, unauthorized, ecdsa, rsa, encrypted, jump] = await Promise.all([
      generateKey(home.sshDir, 'authorized_ed25519', 'ed25519'),
      generateKey(home.sshDir, 'unauthorized_ed25519', 'ed25519'),
      generateKey(home.sshDir, 'client_ecdsa', 'ecdsa'),
      generateKey(home.sshDir, 'client_rsa', 'rsa'),
      generateKey(home.sshDir, 'encrypted_ed25519', 'ed25519', 'correct horse battery'),
      generateKey(home.sshDir, 'jump_ed25519', 'ed25519'),
    ])
    keys = {authorized: authorized!, unauthorized: unauthorized!, ecdsa: ecdsa!, rsa: rsa!, encrypted: encrypted!, jump: jump!}
    ;[target, bastion, inner, closedBastion] = await Promise.all([
      startSshd({authorizedKeys: [keys.authorized, keys.ecdsa, keys.rsa, keys.encrypted].map((key) => key.publicLine)}),
      startSshd({authorizedKeys: [keys.jump.publicLine], allowTcpForwarding: true}),
      startSshd({authorizedKeys: [keys.jump.publicLine], allowTcpForwarding: true}),
      startSshd({authorizedKeys: [keys.jump.publicLine], allowTcpForwarding: false}),
    ])
    knownHosts = path.join(home.sshDir, 'known_hosts')
    fs.writeFileSync(knownHosts, [target, bastion, inner, closedBastion].flatMap((sshd) => sshd.knownHostsLines()).join('\n') + '\n')
  })

  afterEach(async () => {
    await Promise.all(open.map((each) => each.closeAll()))
    open = []
    await agent?.stop()
    agent = undefined
  })

  afterAll(async () => {
    await Promise.all([target, bastion, inner, closedBastion].map((sshd) => sshd?.stop()))
    home?.remove()
  })

  const opened = (made: NodeSshTransport) => {
    open.push(made)
    return made
  }

  /** A config in which every path is absolute: ssh takes ~ from the password database, not from $HOME. */
  function config(name: string, sections: string[][]): string {
    return home.writeConfig(name, [
      ...sections.flat(),
      'Host *',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  IdentityAgent none',
      '  BatchMode yes',
    ])
  }
  const hostSection = (alias: string, sshd: Sshd, lines: string[] = []) => [`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${localUser}`, ...lines]
  const jumpSection = (alias: string, sshd: Sshd) => hostSection(alias, sshd, [`  IdentityFile ${keys.jump.file}`])

  async function runsEcho(settings: ReturnType<typeof settingsFrom>, made = opened(transport())): Promise<string> {
    const connection = await made.connect(settings)
    const result = await connection.exec('echo "$USER over ssh"', {timeoutMs})
    expect(result.exitCode).toBe(0)
    return result.stdout
  }

  it('gives a session the test run\'s marker, so the final leftover check sees what a session leaves running', async () => {
    const file = config('marker', [hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`])])
    const connection = await opened(transport()).connect(settingsFrom(file, home, 'dokku-target'))
    const result = await connection.exec(`printenv ${RUN_ID_VARIABLE}`, {timeoutMs})
    expect(result).toMatchObject({exitCode: 0, stdout: `${process.env[RUN_ID_VARIABLE]}\n`})
  })

  it('reaches an alias through HostName, Port, User and the usable one of several IdentityFiles', async () => {
    const file = config('alias', [hostSection('dokku-target', target, [`  IdentityFile ${keys.unauthorized.file}`, `  IdentityFile ${keys.authorized.file}`])])
    expect(await sshConnects(file, 'dokku-target', {home: home.dir})).toBe(true)
    expect(await runsEcho(settingsFrom(file, home, 'dokku-target'))).toBe(`${localUser} over ssh\n`)
  })

  it('authenticates with ecdsa and RSA keys as well as ed25519', async () => {
    for (const key of [keys.ecdsa, keys.rsa]) {
      const file = config(`key-${path.basename(key.file)}`, [hostSection('dokku-target', target, [`  IdentityFile ${key.file}`])])
      expect(await sshConnects(file, 'dokku-target', {home: home.dir}), key.file).toBe(true)
      expect(await runsEcho(settingsFrom(file, home, 'dokku-target'))).toBe(`${localUser} over ssh\n`)
    }
  })

  it('fails authentication, like ssh, when no offered key is authorized, naming what it offered', async () => {
    const file = config('refused', [hostSection('dokku-target', target, [`  IdentityFile ${keys.unauthorized.file}`])])
    expect(await sshConnects(file, 'dokku-target', {home: home.dir})).toBe(false)
    const error = await connectionError(opened(transport()).connect(settingsFrom(file, home, 'dokku-target')))
    expect(error).toMatchObject({code: 'auth_failed'})
    expect(error.message).toContain('offered: ~/.ssh/unauthorized_ed25519')
  })

  describe('ssh-agent and IdentitiesOnly', () => {
    it('signs with the agent (IdentityAgent) and, with IdentitiesOnly, only with keys an IdentityFile names', async () => {
      agent = await startAgent(home.dir)
      await agent.add(keys.authorized)
      // The agent holds the authorized key; the only IdentityFile is a key the host refuses.
      for (const identitiesOnly of ['no', 'yes']) {
        const file = config(`agent-${identitiesOnly}`, [
          hostSection('dokku-target', target, [`  IdentityAgent ${agent.socket}`, `  IdentityFile ${keys.unauthorized.file}`, `  IdentitiesOnly ${identitiesOnly}`]),
        ])
        const sshResult = await sshConnects(file, 'dokku-target', {home: home.dir})
        expect(sshResult, `ssh with IdentitiesOnly ${identitiesOnly}`).toBe(identitiesOnly === 'no')
        const settings = settingsFrom(file, home, 'dokku-target')
        expect(settings.agentSocket).toBe(agent.socket)
        if (sshResult) expect(await runsEcho(settings)).toBe(`${localUser} over ssh\n`)
        else expect(await connectionError(opened(transport()).connect(settings))).toMatchObject({code: 'auth_failed'})
      }
    })

    it('leaves an encrypted key to the agent that holds it, without asking for its passphrase', async () => {
      agent = await startAgent(home.dir)
      await agent.add(keys.encrypted, 'correct horse battery')
      const file = config('agent-encrypted', [hostSection('dokku-target', target, [`  IdentityAgent ${agent.socket}`, `  IdentityFile ${keys.encrypted.file}`, '  IdentitiesOnly yes'])])
      expect(await sshConnects(file, 'dokku-target', {home: home.dir})).toBe(true)
      expect(await runsEcho(settingsFrom(file, home, 'dokku-target'), opened(transport(noPassphrase)))).toBe(`${localUser} over ssh\n`)
    })
  })

  describe('encrypted identity files', () => {
    const encryptedConfig = () => config('encrypted', [hostSection('dokku-target', target, [`  IdentityFile ${keys.encrypted.file}`])])

    it('unlocks one with the passphrase graduate is given (GRADUATE_SSH_PASSPHRASE in CI)', async () => {
      expect(await runsEcho(settingsFrom(encryptedConfig(), home, 'dokku-target'), opened(transport(passphraseOf('correct horse battery'))))).toBe(`${localUser} over ssh\n`)
    })

    it('says the passphrase is wrong, naming the file and never the passphrase or key', async () => {
      const error = await connectionError(opened(transport(passphraseOf('wrong guess'))).connect(settingsFrom(encryptedConfig(), home, 'dokku-target')))
      expect(error.message).toBe(`${localUser}@dokku-target:${target.port}: the passphrase for identity file ~/.ssh/encrypted_ed25519 is wrong`)
      const everything = `${error.message} ${error.hint}`
      expect(everything).not.toContain('wrong guess')
      expect(everything).not.toContain(fs.readFileSync(keys.encrypted.file, 'utf8').split('\n')[1])
    })

    it('names the file and how to supply a passphrase when there is neither a passphrase nor an agent', async () => {
      const error = await connectionError(opened(transport(passphraseOf(undefined))).connect(settingsFrom(encryptedConfig(), home, 'dokku-target')))
      expect(error).toMatchObject({code: 'identity_unusable', hint: 'set GRADUATE_SSH_PASSPHRASE'})
      expect(error.message).toContain('identity file ~/.ssh/encrypted_ed25519 is protected by a passphrase')
    })
  })

  describe('ProxyJump', () => {
    it('tunnels through a bastion, and through a chain of two, each hop with its own user, key and known_hosts entry', async () => {
      for (const [name, jumps] of [
        ['one', 'bastion-host'],
        ['chain', 'bastion-host,inner-host'],
      ] as const) {
        const file = config(`jump-${name}`, [
          hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`, `  ProxyJump ${jumps}`]),
          jumpSection('bastion-host', bastion),
          jumpSection('inner-host', inner),
        ])
        expect(await sshConnects(file, 'dokku-target', {home: home.dir}), `ssh via ${jumps}`).toBe(true)
        const logins = [bastion, inner].map((sshd) => countLogins(sshd))
        const settings = settingsFrom(file, home, 'dokku-target')
        expect(settings.jumpHosts.map((hop) => hop.label)).toEqual(jumps.split(',').map((hop) => `${localUser}@${hop}:${hop === 'bastion-host' ? bastion.port : inner.port}`))
        expect(await runsEcho(settings)).toBe(`${localUser} over ssh\n`)
        // Each jump host saw one more login from graduate.
        expect([bastion, inner].map((sshd) => countLogins(sshd))).toEqual([logins[0]! + 1, logins[1]! + (name === 'chain' ? 1 : 0)])
      }
    })

    it('refuses clearly, like ssh, when the jump host does not forward', async () => {
      const file = config('jump-closed', [hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`, '  ProxyJump closed-bastion']), jumpSection('closed-bastion', closedBastion)])
      expect(await sshConnects(file, 'dokku-target', {home: home.dir})).toBe(false)
      const error = await connectionError(opened(transport()).connect(settingsFrom(file, home, 'dokku-target')))
      expect(error).toMatchObject({code: 'jump_refused'})
      expect(error.message).toContain(`jump host ${localUser}@closed-bastion:${closedBastion.port}: the jump host did not open a tunnel to 127.0.0.1 port ${target.port}`)
      expect(error.hint).toContain('AllowTcpForwarding')
    })

    it("checks the jump host's own key: an unknown bastion is refused before anything reaches the target", async () => {
      const emptyKnownHosts = path.join(home.sshDir, 'known_hosts_target_only')
      fs.writeFileSync(emptyKnownHosts, target.knownHostsLines().join('\n') + '\n')
      const file = config('jump-unknown', [
        hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`, '  ProxyJump bastion-host']),
        [...jumpSection('bastion-host', bastion), `  UserKnownHostsFile ${emptyKnownHosts}`],
      ])
      expect(await sshConnects(file, 'dokku-target', {home: home.dir})).toBe(false)
      const error = await connectionError(opened(transport()).connect(settingsFrom(file, home, 'dokku-target')))
      expect(error).toMatchObject({code: 'host_key_unknown', host: `${localUser}@bastion-host:${bastion.port}`})
    })
  })

  describe('known_hosts from the config', () => {
    it('uses UserKnownHostsFile, and with StrictHostKeyChecking accept-new records an unknown key that ssh then accepts', async () => {
      const fresh = path.join(home.sshDir, 'known_hosts_fresh')
      fs.rmSync(fresh, {force: true})
      const file = home.writeConfig('accept-new', [
        ...hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`, `  UserKnownHostsFile ${fresh}`, '  StrictHostKeyChecking accept-new']),
        'Host *',
        '  GlobalKnownHostsFile /dev/null',
        '  IdentityAgent none',
      ])
      const made = opened(transport())
      const connection = await made.connect(settingsFrom(file, home, 'dokku-target'))
      expect(connection.recordedHostKeys).toEqual([{name: `[127.0.0.1]:${target.port}`, keyType: 'ssh-ed25519', fingerprint: target.hostKeys[0]!.fingerprint, file: fresh}])
      expect(fs.readFileSync(fresh, 'utf8')).toBe(`${target.knownHostsLines()[0]}\n`)
      // What graduate wrote is what ssh reads: strict checking now passes with that file alone.
      const strict = home.writeConfig('strict-fresh', [
        ...hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`, `  UserKnownHostsFile ${fresh}`, '  StrictHostKeyChecking yes']),
        'Host *',
        '  GlobalKnownHostsFile /dev/null',
        '  IdentityAgent none',
      ])
      expect(await sshConnects(strict, 'dokku-target', {home: home.dir})).toBe(true)
    })
  })

  it('never opens more than MaxSessions (10) channels on one connection: 25 commands at once all run', async () => {
    const file = config('sessions', [hostSection('dokku-target', target, [`  IdentityFile ${keys.authorized.file}`])])
    const made = opened(transport())
    const loginsBefore = countLogins(target)
    const connection = await made.connect(settingsFrom(file, home, 'dokku-target'))
    const gate = fs.mkdtempSync(path.join(home.dir, 'sessions-'))
    const go = path.join(gate, 'go')
    // Every command announces itself, then waits for the go file: all 25 must be running at the same time.
    const commands = Array.from({length: 25}, (_, index) =>
      connection.exec(`touch ${gate}/started-${index}; while [ ! -e ${go} ]; do sleep 0.05; done; echo done-${index}`, {timeoutMs: 60_000}),
    )
    try {
      await waitUntil(() => fs.readdirSync(gate).length === 25)
    } finally {
      // Pass or fail, the go file ends every loop that did start; a missing one once left 25 running forever.
      fs.writeFileSync(go, '')
    }
    const results = await Promise.all(commands)
    expect(results.map((result) => [result.exitCode, result.stdout])).toEqual(Array.from({length: 25}, (_, index) => [0, `done-${index}\n`]))
    // 25 sessions at 10 per connection need three connections.
    expect(countLogins(target) - loginsBefore).toBe(3)
  })
})

/** Logins sshd accepted, from its log. */
function countLogins(sshd: Sshd): number {
  return (sshd.log().match(/Accepted publickey for /g) ?? []).length
}

async function waitUntil(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the commands to start')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
