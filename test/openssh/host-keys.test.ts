import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {HostKeyError} from '../../src/errors.js'
import type {NodeSshTransport} from '../../src/ssh/node-ssh-transport.js'
import {connectionError, type ScratchHome, scratchSshHome, settingsFrom, transport} from './harness/client.js'
import {generateKey, type KeyPair, localUser, opensshAvailable, SKIP_MESSAGE, type Sshd, sshConnects, startSshd} from './harness/openssh.js'

/*
 * Host keys against a real sshd holding ed25519, ecdsa and RSA host keys: each known_hosts case is
 * decided as `ssh -o StrictHostKeyChecking=yes` decides it, and --accept-new-host-keys records only
 * what ssh's accept-new would.
 */
describe.skipIf(!opensshAvailable)(opensshAvailable ? 'host keys are checked as ssh checks them' : SKIP_MESSAGE, () => {
  let home: ScratchHome
  let sshd: Sshd
  let client: KeyPair
  let stranger: KeyPair
  let open: NodeSshTransport[] = []
  let cases = 0

  beforeAll(async () => {
    home = scratchSshHome()
    ;[client, stranger] = await Promise.all([generateKey(home.sshDir, 'client_ed25519', 'ed25519'), generateKey(home.sshDir, 'stranger_ed25519', 'ed25519')])
    sshd = await startSshd({authorizedKeys: [client.publicLine], hostKeyTypes: ['ed25519', 'ecdsa', 'rsa']})
  })

  afterEach(async () => {
    await Promise.all(open.map((made) => made.closeAll()))
    open = []
  })

  afterAll(async () => {
    await sshd?.stop()
    home?.remove()
  })

  const hostKey = (type: string) => sshd.hostKeys.find((key) => key.publicLine.startsWith(type))!
  const entry = (name: string, key: KeyPair) => `${name} ${key.publicLine.split(' ').slice(0, 2).join(' ')}`
  const bracketed = () => `[127.0.0.1]:${sshd.port}`

  /** A known_hosts file with these lines, and a config pointing the `dokku-host` alias at the sshd with it. */
  function setup(lines: string[], extra: string[] = []): {file: string; knownHosts: string} {
    const name = `case-${++cases}`
    const knownHosts = path.join(home.sshDir, `known_hosts_${name}`)
    fs.writeFileSync(knownHosts, lines.map((line) => `${line}\n`).join(''))
    const file = home.writeConfig(`config_${name}`, [
      'Host dokku-host',
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      `  User ${localUser}`,
      `  IdentityFile ${client.file}`,
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  IdentityAgent none',
      ...extra,
    ])
    return {file, knownHosts}
  }

  async function graduateConnects(file: string, options: {acceptNewHostKeys?: boolean} = {}) {
    const made = transport()
    open.push(made)
    const connection = await made.connect(settingsFrom(file, home, 'dokku-host', options))
    expect((await connection.exec('true', {timeoutMs: 30_000})).exitCode).toBe(0)
    return connection
  }
  async function graduateRefusal(file: string, options: {acceptNewHostKeys?: boolean} = {}): Promise<HostKeyError> {
    const made = transport()
    open.push(made)
    const error = await connectionError(made.connect(settingsFrom(file, home, 'dokku-host', options)))
    expect(error).toBeInstanceOf(HostKeyError)
    return error as HostKeyError
  }
  const sshAgrees = (file: string) => sshConnects(file, 'dokku-host', {home: home.dir})

  it('accepts a plain [host]:port entry, and one for a key type other than the first offered (ecdsa only)', async () => {
    for (const type of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']) {
      const {file} = setup([entry(bracketed(), hostKey(type))])
      expect(await sshAgrees(file), type).toBe(true)
      await graduateConnects(file)
    }
  })

  it('accepts hashed entries written by ssh-keygen -H', async () => {
    const {file, knownHosts} = setup([entry(bracketed(), hostKey('ssh-ed25519'))])
    execFileSync('ssh-keygen', ['-H', '-f', knownHosts], {stdio: 'ignore'})
    expect(fs.readFileSync(knownHosts, 'utf8')).toMatch(/^\|1\|/)
    expect(await sshAgrees(file)).toBe(true)
    await graduateConnects(file)
  })

  it('looks keys up under HostKeyAlias when the config sets one', async () => {
    const {file} = setup([entry('dokku-production', hostKey('ssh-ed25519'))], ['  HostKeyAlias dokku-production'])
    expect(await sshAgrees(file)).toBe(true)
    await graduateConnects(file)
  })

  it('takes an entry without the port only when it holds the very key, as ssh does; another key there is unknown, not changed', async () => {
    const same = setup([entry('127.0.0.1', hostKey('ssh-ed25519'))])
    expect(await sshAgrees(same.file)).toBe(true)
    await graduateConnects(same.file)

    const other = setup([entry('127.0.0.1', stranger)])
    expect(await sshAgrees(other.file)).toBe(false)
    const error = await graduateRefusal(other.file)
    expect(error).toMatchObject({kind: 'unknown', code: 'host_key_unknown'})
    expect(error.message).toContain(`has no key for ${bracketed()}`)
  })

  it('refuses a changed key, naming both fingerprints and the line that expects the old one', async () => {
    const {file, knownHosts} = setup([entry(bracketed(), stranger)])
    expect(await sshAgrees(file)).toBe(false)
    const error = await graduateRefusal(file)
    expect(error).toMatchObject({kind: 'changed', code: 'host_key_changed', presented: hostKey('ssh-ed25519').fingerprint, expected: [stranger.fingerprint]})
    expect(error.message).toContain(`HOST KEY CHANGED: the host presented ssh-ed25519 key ${hostKey('ssh-ed25519').fingerprint}`)
    expect(error.message).toContain(`~/.ssh/${path.basename(knownHosts)}:1 expects ${stranger.fingerprint}`)
  })

  it('refuses a key marked @revoked, even beside a plain entry for it', async () => {
    const key = hostKey('ssh-ed25519')
    const {file} = setup([`@revoked ${entry(bracketed(), key)}`, entry(bracketed(), key)], ['  HostKeyAlgorithms ssh-ed25519'])
    expect(await sshAgrees(file)).toBe(false)
    expect(await graduateRefusal(file)).toMatchObject({kind: 'revoked', code: 'host_key_revoked', presented: key.fingerprint})
  })

  it('refuses a host only a @cert-authority line vouches for, saying host certificates are not supported', async () => {
    const {file} = setup([`@cert-authority ${entry('*', stranger)}`])
    expect(await sshAgrees(file)).toBe(false)
    const error = await graduateRefusal(file)
    expect(error).toMatchObject({kind: 'unknown'})
    expect(error.message).toContain('trusts a @cert-authority')
    expect(error.message).toContain('graduate does not support host certificates')
  })

  it('refuses an unknown key, saying how to verify and record it', async () => {
    const {file} = setup([])
    expect(await sshAgrees(file)).toBe(false)
    const error = await graduateRefusal(file)
    expect(error).toMatchObject({kind: 'unknown', presented: hostKey('ssh-ed25519').fingerprint})
    expect(error.hint).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >>`)
    expect(error.hint).toContain('--accept-new-host-keys')
  })

  describe('--accept-new-host-keys', () => {
    it('records an unknown key in the first known_hosts file, hashed when its entries are, and connects without it afterwards', async () => {
      const hashedFile = path.join(home.sshDir, 'hashed_other')
      fs.writeFileSync(hashedFile, `${entry('other.example.com', stranger)}\n`)
      execFileSync('ssh-keygen', ['-H', '-f', hashedFile], {stdio: 'ignore'})
      const hashedOther = fs.readFileSync(hashedFile, 'utf8').split('\n').filter((line) => line.startsWith('|1|'))
      for (const [kind, lines] of [
        ['plain', []],
        ['hashed', hashedOther],
      ] as const) {
        const {file, knownHosts} = setup([...lines])
        const connection = await graduateConnects(file, {acceptNewHostKeys: true})
        expect(connection.recordedHostKeys, kind).toEqual([{name: bracketed(), keyType: 'ssh-ed25519', fingerprint: hostKey('ssh-ed25519').fingerprint, file: knownHosts}])
        const added = fs.readFileSync(knownHosts, 'utf8').trim().split('\n').at(-1)!
        if (kind === 'plain') expect(added).toBe(entry(bracketed(), hostKey('ssh-ed25519')))
        else {
          const [name, ...key] = added.split(' ')
          expect(name).toMatch(/^\|1\|/)
          expect(key.join(' ')).toBe(hostKey('ssh-ed25519').publicLine.split(' ').slice(0, 2).join(' '))
        }
        // ssh, strict, now accepts the host with what graduate wrote; so does graduate without the flag.
        expect(await sshAgrees(file), kind).toBe(true)
        const again = await graduateConnects(file)
        expect(again.recordedHostKeys).toEqual([])
      }
    })

    it('hashes a new entry when the config says HashKnownHosts yes', async () => {
      const {file, knownHosts} = setup([], ['  HashKnownHosts yes'])
      await graduateConnects(file, {acceptNewHostKeys: true})
      expect(fs.readFileSync(knownHosts, 'utf8')).toMatch(/^\|1\|[^ ]+ ssh-ed25519 /)
      expect(await sshAgrees(file)).toBe(true)
    })

    it('still refuses a changed key, and writes nothing', async () => {
      const {file, knownHosts} = setup([entry(bracketed(), stranger)])
      const before = fs.readFileSync(knownHosts, 'utf8')
      expect(await graduateRefusal(file, {acceptNewHostKeys: true})).toMatchObject({kind: 'changed'})
      expect(fs.readFileSync(knownHosts, 'utf8')).toBe(before)
    })
  })
})
