import fs from 'node:fs/promises'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {settingsFor, systemDefaults} from '../../../src/ssh/settings.js'
import {makeTestHome, testDefaults, type TestHome} from './harness/fixtures.js'

let home: TestHome

beforeEach(async () => {
  home = await makeTestHome()
})

afterEach(() => home.remove())

describe('settingsFor', () => {
  it('defaults to dokku on port 22, ~/.ssh/known_hosts(2), and the usual identity files that exist, in ssh order', async () => {
    await fs.writeFile(path.join(home.sshDir, 'id_rsa'), '')
    await fs.writeFile(path.join(home.sshDir, 'id_ed25519'), '')
    const settings = settingsFor({host: 'prod.example.com', display: 'prod'}, testDefaults(home))
    expect(settings).toMatchObject({
      host: 'prod.example.com',
      port: 22,
      user: 'dokku',
      label: 'dokku@prod.example.com:22',
      identityFiles: [path.join(home.sshDir, 'id_rsa'), path.join(home.sshDir, 'id_ed25519')],
      knownHostsFiles: [home.knownHosts, `${home.knownHosts}2`],
      agentSocket: undefined,
    })
  })

  it('uses the identity and known_hosts files the manifest names, expanding ~, instead of the defaults', async () => {
    await fs.writeFile(path.join(home.sshDir, 'id_ed25519'), '')
    const settings = settingsFor(
      {user: 'deploy', host: '10.0.0.5', port: 2222, identityFile: '~/keys/dokku', knownHostsFile: '~/ci/known_hosts', display: 'ci-box'},
      testDefaults(home, {agentSocket: '/run/agent.sock'}),
    )
    expect(settings).toMatchObject({
      user: 'deploy',
      port: 2222,
      label: 'deploy@10.0.0.5:2222',
      identityFiles: [path.join(home.dir, 'keys/dokku')],
      knownHostsFiles: [path.join(home.dir, 'ci/known_hosts')],
      agentSocket: '/run/agent.sock',
    })
  })
})

describe('systemDefaults', () => {
  it('offers the agent only when SSH_AUTH_SOCK is set, and keeps alive every 15 s for 8 misses', () => {
    expect(systemDefaults({SSH_AUTH_SOCK: '/tmp/agent'}).agentSocket).toBe('/tmp/agent')
    expect(systemDefaults({SSH_AUTH_SOCK: ''}).agentSocket).toBeUndefined()
    expect(systemDefaults({})).toMatchObject({keepaliveIntervalMs: 15_000, keepaliveCountMax: 8, maxSessions: 10})
  })
})
