import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {HostSpec} from '../../src/manifest/types.js'
import {describeSettings} from '../../src/ssh/describe-settings.js'
import {type ConnectionSettings, settingsFor, systemDefaults} from '../../src/ssh/settings.js'
import {localUser, opensshAvailable, SKIP_MESSAGE, sshResolve} from './harness/openssh.js'

/*
 * What graduate resolves from ~/.ssh/config, held against what `ssh -G` resolves for the same file and
 * destination. The manifest's own values stand in for ssh's command line (-l, -p, -i, -o).
 */
describe.skipIf(!opensshAvailable)(opensshAvailable ? 'ssh config resolution matches ssh -G' : SKIP_MESSAGE, () => {
  let home: string
  let sshDir: string
  let configFile: string
  const realHome = process.env.HOME

  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-ssh-config-'))
    // Messages show paths under the home as ~/…, as they would for a real user.
    process.env.HOME = home
    sshDir = path.join(home, '.ssh')
    fs.mkdirSync(path.join(sshDir, 'config.d'), {recursive: true, mode: 0o700})
    configFile = path.join(sshDir, 'config')
    for (const key of ['deploy_ed25519', 'backup_rsa', 'prod_root_2222', 'id_ecdsa']) fs.writeFileSync(path.join(sshDir, key), '')
    fs.writeFileSync(path.join(sshDir, 'config.d', '10-staging.conf'), ['Host staging', '  HostName staging.internal', '  User stager', ''].join('\n'))
    fs.writeFileSync(
      configFile,
      [
        'Include config.d/*.conf',
        '',
        'Host prod prod-*',
        '  HostName %h.example.com',
        '  User deploy',
        '  Port 2222',
        '  IdentityFile ~/.ssh/deploy_ed25519',
        '  IdentityFile %d/.ssh/%h_%r_%p',
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile ~/.ssh/known_hosts.prod ~/.ssh/known_hosts.extra',
        '  StrictHostKeyChecking accept-new',
        '  ProxyJump bastion,jumper@inner:2200',
        '',
        'Host prod-legacy',
        // First match wins: prod-* already set these, so they are ignored.
        '  User legacy',
        '  Port 2200',
        '  IdentityFile ~/.ssh/backup_rsa',
        '',
        'Host *.example.com !forbidden.example.com',
        '  HostKeyAlias shared-alias',
        '  HashKnownHosts yes',
        '',
        'Host ?ingle',
        '  User single',
        '',
        'Host bastion',
        '  HostName 10.9.8.7',
        '  User jump',
        '',
        'Host direct',
        '  HostName 192.0.2.10',
        '  StrictHostKeyChecking yes',
        '  IdentityAgent none',
        '',
        // Match host sees the HostName set above; originalhost what was asked for.
        'Match originalhost direct host 192.0.2.*',
        '  User matched',
        '',
        'Match originalhost elsewhere host 192.0.2.*',
        '  User never',
        '',
        'Host *',
        '  IdentityFile ~/.ssh/id_ecdsa',
        '',
      ].join('\n'),
    )
  })

  afterAll(() => {
    process.env.HOME = realHome
    fs.rmSync(home, {recursive: true, force: true})
  })

  const defaults = () => ({
    ...systemDefaults({SSH_AUTH_SOCK: '/tmp/agent.sock'}),
    homeDir: home,
    configFiles: [{file: configFile, system: false}],
    localUser,
  })
  const resolve = (host: string, spec: Partial<HostSpec> = {}): ConnectionSettings => settingsFor({host, display: host, ...spec}, defaults())
  const expandSsh = (file: string, values: Record<string, string>) =>
    file.replace(/^~/, home).replace(/%([%dhrp])/g, (_whole, token: string) => (token === '%' ? '%' : token === 'd' ? home : values[token]!))
  const existing = (files: string[]) => files.filter((file) => fs.existsSync(file))
  // ssh takes ~ from the password database, not $HOME: map its home onto the test's.
  const passwdHome = os.userInfo().homedir
  const inTestHome = (files: string[]) => files.map((file) => (file.startsWith(`${passwdHome}/`) ? home + file.slice(passwdHome.length) : file))

  it('resolves an alias with HostName, User, Port, several IdentityFiles, IdentitiesOnly, known_hosts and StrictHostKeyChecking as ssh does', async () => {
    const ssh = await sshResolve(configFile, 'prod', {home})
    const ours = resolve('prod')
    expect(ours.host).toBe(ssh.get('hostname')![0])
    expect(ours.user).toBe(ssh.get('user')![0])
    expect(String(ours.port)).toBe(ssh.get('port')![0])
    // ssh -G prints identity files unexpanded; ssh expands ~ and tokens (%d %h %r %p) when it loads them.
    const tokens = {h: ours.host, r: ours.user, p: String(ours.port)}
    expect(ours.identityFiles).toEqual(existing(ssh.get('identityfile')!.map((file) => expandSsh(file, tokens))))
    expect(ours.identityFiles).toEqual([path.join(sshDir, 'deploy_ed25519'), path.join(sshDir, 'id_ecdsa')])
    expect(ours.identitiesOnly).toBe(ssh.get('identitiesonly')![0] === 'yes')
    expect(ours.knownHostsFiles).toEqual(inTestHome(ssh.get('userknownhostsfile')![0]!.split(' ')))
    expect(ssh.get('stricthostkeychecking')).toEqual(['accept-new'])
    expect(ours).toMatchObject({acceptNewHostKeys: true, hostKeyPolicy: 'StrictHostKeyChecking accept-new in ~/.ssh/config'})
    // Host patterns see the name as given (prod), not its HostName: `*.example.com` does not apply.
    expect(ours.hostKeyAlias).toBe(ssh.get('hostkeyalias')?.[0])
    expect(ours.hashKnownHosts).toBe(ssh.get('hashknownhosts')![0] === 'yes')
    expect(ours.hashKnownHosts).toBe(false)
    expect(ours.label).toBe('deploy@prod:2222')
    expect(ours.origins).toEqual({user: 'ssh config', port: 'ssh config', host: 'ssh config'})
  })

  it('expands %h, %r and %p in an IdentityFile to the resolved host, user and port', async () => {
    fs.writeFileSync(path.join(sshDir, 'prod-root.example.com_root_22'), '')
    try {
      const ours = resolve('prod-root', {user: 'root', port: 22})
      const ssh = await sshResolve(configFile, 'prod-root', {home, extra: ['-l', 'root', '-p', '22']})
      const tokens = {h: ours.host, r: 'root', p: '22'}
      expect(ours.identityFiles).toEqual(existing(ssh.get('identityfile')!.map((file) => expandSsh(file, tokens))))
      expect(ours.identityFiles).toContain(path.join(sshDir, 'prod-root.example.com_root_22'))
    } finally {
      fs.rmSync(path.join(sshDir, 'prod-root.example.com_root_22'))
    }
  })

  it('lets the first matching section win, as ssh does', async () => {
    const ssh = await sshResolve(configFile, 'prod-legacy', {home})
    const ours = resolve('prod-legacy')
    expect([ours.user, String(ours.port)]).toEqual([ssh.get('user')![0], ssh.get('port')![0]])
    expect(ours.user).toBe('deploy')
    const tokens = {h: ours.host, r: ours.user, p: String(ours.port)}
    expect(ours.identityFiles).toEqual(existing(ssh.get('identityfile')!.map((file) => expandSsh(file, tokens))))
  })

  it('matches ? as exactly one character and honours negated patterns', async () => {
    for (const host of ['single', 'ssingle', 'ingle']) {
      const ssh = await sshResolve(configFile, host, {home})
      expect(resolve(host, {}).user === 'single', host).toBe(ssh.get('user')![0] === 'single')
    }
    for (const host of ['www.example.com', 'forbidden.example.com']) {
      const ssh = await sshResolve(configFile, host, {home})
      expect(resolve(host).hostKeyAlias, host).toBe(ssh.get('hostkeyalias')?.[0])
      expect(resolve(host).hashKnownHosts, host).toBe(ssh.get('hashknownhosts')![0] === 'yes')
    }
    expect(resolve('www.example.com')).toMatchObject({hostKeyAlias: 'shared-alias', hashKnownHosts: true})
    expect(resolve('forbidden.example.com').hostKeyAlias).toBeUndefined()
  })

  it('reads Include files and evaluates Match host and originalhost', async () => {
    const staging = await sshResolve(configFile, 'staging', {home})
    expect([resolve('staging').host, resolve('staging').user]).toEqual([staging.get('hostname')![0], staging.get('user')![0]])
    expect(resolve('staging').user).toBe('stager')

    const direct = await sshResolve(configFile, 'direct', {home})
    const ours = resolve('direct')
    expect([ours.host, ours.user]).toEqual([direct.get('hostname')![0], direct.get('user')![0]])
    expect(ours.user).toBe('matched')
    expect(direct.get('stricthostkeychecking')).toEqual(['true'])
    expect(ours).toMatchObject({acceptNewHostKeys: false, agentSocket: undefined})
    const elsewhere = await sshResolve(configFile, 'elsewhere', {home})
    expect(elsewhere.get('user')).not.toEqual(['never'])
    expect(resolve('elsewhere').user).toBe('dokku')
  })

  it('resolves each ProxyJump hop with its own config, and the hops of a chain in order', async () => {
    const ssh = await sshResolve(configFile, 'prod', {home})
    expect(ssh.get('proxyjump')).toEqual(['bastion,jumper@inner:2200'])
    const jumps = resolve('prod').jumpHosts
    expect(jumps.map((hop) => [hop.name, hop.host, hop.user, hop.port])).toEqual([
      ['bastion', '10.9.8.7', 'jump', 22],
      ['inner', 'inner', 'jumper', 2200],
    ])
    const bastion = await sshResolve(configFile, 'bastion', {home})
    expect([jumps[0]!.host, jumps[0]!.user, String(jumps[0]!.port)]).toEqual([bastion.get('hostname')![0], bastion.get('user')![0], bastion.get('port')![0]])
    // A jump host without a User logs in as the local user, as ssh does; only Dokku hosts default to dokku.
    expect(resolve('unlisted').user).toBe('dokku')
    expect(settingsFor({host: 'x', display: 'x'}, {...defaults(), configFiles: []}).jumpHosts).toEqual([])
  })

  it("lets the manifest's user, port, identity file and known_hosts outrank the config, like ssh's command line", async () => {
    const manifestKey = path.join(home, 'manifest_key')
    const manifestKnownHosts = path.join(home, 'pinned_known_hosts')
    // ssh drops an -i file that does not exist; graduate keeps the manifest's, to say so when it connects.
    fs.writeFileSync(manifestKey, '')
    const ssh = await sshResolve(configFile, 'prod', {home, extra: ['-l', 'root', '-p', '22', '-i', manifestKey, '-o', `UserKnownHostsFile=${manifestKnownHosts}`]})
    const ours = resolve('prod', {user: 'root', port: 22, identityFile: manifestKey, knownHostsFile: manifestKnownHosts})
    expect([ours.user, String(ours.port)]).toEqual([ssh.get('user')![0], ssh.get('port')![0]])
    expect(ours.knownHostsFiles).toEqual(ssh.get('userknownhostsfile'))
    // -i comes first; the config's files follow.
    const tokens = {h: ours.host, r: ours.user, p: String(ours.port)}
    expect(ours.identityFiles).toEqual(existing(ssh.get('identityfile')!.map((file) => expandSsh(file, tokens))))
    expect(ours.identityFiles[0]).toBe(manifestKey)
    expect(ours).toMatchObject({requiredIdentityFile: manifestKey, origins: {user: 'manifest', port: 'manifest'}})
  })

  it('--accept-new-host-keys outranks StrictHostKeyChecking yes, like -o on the command line', async () => {
    const ssh = await sshResolve(configFile, 'direct', {home, extra: ['-o', 'StrictHostKeyChecking=accept-new']})
    expect(ssh.get('stricthostkeychecking')).toEqual(['accept-new'])
    const ours = settingsFor({host: 'direct', display: 'direct'}, {...defaults(), acceptNewHostKeys: true})
    expect(ours).toMatchObject({acceptNewHostKeys: true, hostKeyPolicy: '--accept-new-host-keys'})
  })

  it('names what it cannot honour (ProxyCommand, Match exec) instead of connecting differently', () => {
    const other = path.join(home, 'unsupported_config')
    fs.writeFileSync(other, ['Host legacy', '  ProxyCommand nc %h %p', 'Match host scripted exec "test -e /tmp/x"', '  User scripted', ''].join('\n'))
    const at = (host: string) => settingsFor({host, display: host}, {...defaults(), configFiles: [{file: other, system: false}]})
    expect(at('legacy').problems).toEqual([expect.stringContaining('`ProxyCommand` in ~/unsupported_config: graduate does not run proxy commands')])
    expect(at('scripted').problems).toEqual([expect.stringContaining('graduate cannot evaluate `exec`')])
    // A Match line whose first criterion fails never reaches the one graduate cannot run.
    expect(at('elsewhere').problems).toEqual([])
  })

  it('describes the settings without key material: hosts, keys by path, known_hosts, the host key policy and each hop', () => {
    const lines = describeSettings(resolve('prod'))
    expect(lines[0]).toBe('deploy@prod:2222: host prod.example.com (ssh config), port 2222 (ssh config), user deploy (ssh config)')
    expect(lines).toContain('  via jump@bastion:22: host 10.9.8.7 (ssh config), port 22, user jump (ssh config); keys: ssh-agent at /tmp/agent.sock; ~/.ssh/id_ecdsa; host key checked against ~/.ssh/known_hosts, ~/.ssh/known_hosts2, /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2')
    expect(lines).toContain('  keys: ssh-agent at /tmp/agent.sock; ~/.ssh/deploy_ed25519, ~/.ssh/id_ecdsa (IdentitiesOnly: only these, also from the agent)')
    expect(lines).toContain('  unknown host keys: accepted and recorded (StrictHostKeyChecking accept-new in ~/.ssh/config)')
  })
})
