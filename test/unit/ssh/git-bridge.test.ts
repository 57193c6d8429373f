import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {CommandTimeoutError} from '../../../src/errors.js'
import {bridgeSocketEnv, bridgeTokenEnv} from '../../../src/ssh/bridge-frames.js'
import {GitBridge, gitRemoteUrl} from '../../../src/ssh/git-bridge.js'
import {NodeSshTransport} from '../../../src/ssh/node-ssh-transport.js'
import type {ConnectionSettings} from '../../../src/ssh/settings.js'
import type {HostConnection} from '../../../src/ssh/transport.js'
import {compileGitHelper, makeTestHome, quickRetry, serverSettings, type TestHome} from './harness/fixtures.js'
import {generateKeyPair, startSshServer, type TestSshServer} from './harness/ssh-server.js'

let home: TestHome
let server: TestSshServer
let helperPath: string
let reposDir: string
let transport: NodeSshTransport
let settings: ConnectionSettings
let connection: HostConnection

const timeoutMs = 60_000
const gitIdentity = {
  GIT_AUTHOR_NAME: 'Graduate Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Graduate Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {cwd, encoding: 'utf8', env: {...process.env, ...gitIdentity}}).trim()
}

beforeAll(async () => {
  const clientKey = generateKeyPair()
  home = await makeTestHome()
  await home.writeIdentity(clientKey)
  helperPath = await compileGitHelper(await fs.mkdtemp(path.join(home.dir, 'helper-')))
  reposDir = path.join(home.dir, 'repos')
  await fs.mkdir(reposDir)
  server = await startSshServer({hostKey: generateKeyPair(), authorizedKeys: [clientKey], reposDir})
  await home.writeKnownHosts([`[127.0.0.1]:${server.port} ${server.hostKeyLine}`])
  settings = serverSettings(home, server.port)
})

afterAll(async () => {
  await server.close()
  await home.remove()
})

beforeEach(async () => {
  transport = new NodeSshTransport({retry: quickRetry, gitSshHelperPath: helperPath})
  connection = await transport.connect(settings)
})

afterEach(async () => {
  server.releaseHolds()
  await transport.closeAll()
})

async function makeRepo(name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(home.dir, `${name}-`))
  git(dir, 'init', '-q', '-b', 'main')
  return dir
}

describe('git over the pooled connection', () => {
  it('pushes to and fetches from a bare repository on the host, reusing the one connection', async () => {
    const app = `app-${Date.now()}`
    git(reposDir, 'init', '-q', '--bare', app)
    const hook = path.join(reposDir, app, 'hooks', 'post-receive')
    await fs.writeFile(hook, '#!/bin/sh\necho "-----> Deploying app via the docker-local scheduler..."\n', {mode: 0o755})

    const source = await makeRepo('source')
    await fs.writeFile(path.join(source, 'Procfile'), 'web: ./serve\n')
    git(source, 'add', 'Procfile')
    git(source, 'commit', '-q', '-m', 'first release')
    const revision = git(source, 'rev-parse', 'HEAD')

    expect(await connection.exec('echo before the push', {timeoutMs})).toMatchObject({exitCode: 0})
    const connectionsBefore = server.connections

    const streamed: string[] = []
    const pushed = await connection.git(['push', gitRemoteUrl(settings, app), 'HEAD:refs/heads/main'], {
      cwd: source,
      timeoutMs,
      onStderr: (chunk) => streamed.push(chunk),
    })
    expect(pushed.exitCode).toBe(0)
    expect(git(path.join(reposDir, app), 'rev-parse', 'refs/heads/main')).toBe(revision)
    // The remote's hook output reaches git's stderr as `remote: ` lines, streamed as it happens.
    expect(streamed.join('')).toContain('remote: -----> Deploying app via the docker-local scheduler...')
    expect(server.commands).toContain(`git-receive-pack '/${app}'`)

    const target = await makeRepo('target')
    const fetched = await connection.git(['fetch', gitRemoteUrl(settings, app), 'main'], {cwd: target, timeoutMs})
    expect(fetched.exitCode).toBe(0)
    expect(git(target, 'rev-parse', 'FETCH_HEAD')).toBe(revision)
    expect(server.commands).toContain(`git-upload-pack '/${app}'`)

    expect(server.connections).toBe(connectionsBefore)
  })

  it('starts its helper without the extra CA certificates Node would parse at every start', async () => {
    const app = `certs-${Date.now()}`
    git(reposDir, 'init', '-q', '--bare', app)
    const repo = await makeRepo('certs')
    const before = process.env.NODE_EXTRA_CA_CERTS
    // A file that does not exist: a Node started with it warns on stderr, which git passes on.
    process.env.NODE_EXTRA_CA_CERTS = path.join(home.dir, 'no-such-bundle.pem')
    try {
      const listed = await connection.git(['ls-remote', gitRemoteUrl(settings, app)], {cwd: repo, timeoutMs})
      expect(listed.exitCode).toBe(0)
      expect(listed.stderr).not.toContain('extra certs')
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS
      else process.env.NODE_EXTRA_CA_CERTS = before
    }
  })

  it('refuses a remote that names another host, before opening any channel', async () => {
    const repo = await makeRepo('elsewhere')
    const commandsBefore = server.commands.length
    const result = await connection.git(['fetch', `ssh://dokku@127.0.0.1:${server.port + 1}/app`, 'main'], {cwd: repo, timeoutMs})
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toContain(`graduate: the git remote points at dokku@127.0.0.1:${server.port + 1}, but this git runs over the connection to dokku@127.0.0.1:${server.port}`)
    expect(server.commands.length).toBe(commandsBefore)
  })

  it('reports no exit status when the connection drops under git: what the host did is unknown', async () => {
    const repo = await makeRepo('dropped')
    const result = await connection.git(['fetch', gitRemoteUrl(settings, 'drop'), 'main'], {cwd: repo, timeoutMs})
    // git itself exits 128, but a deploy on the host outlives its client: the caller must ask the host.
    expect(result).toMatchObject({exitCode: null, signal: null})
    expect(result.stderr).toContain('graduate: the SSH connection was lost before the remote command finished')
  })

  it('kills git and closes its channel when the deadline passes', async () => {
    const repo = await makeRepo('held')
    const running = connection.git(['fetch', gitRemoteUrl(settings, 'hold'), 'main'], {cwd: repo, timeoutMs: 1_500})
    await expect(running).rejects.toThrow(CommandTimeoutError)
    await expect(running).rejects.toThrow(`dokku@127.0.0.1:${server.port}: \`git fetch ${gitRemoteUrl(settings, 'hold')} main\` did not finish within 1.5 s`)
    await server.waitFor(() => server.openChannels() === 0, 'the held fetch channel to close')
  })

  it('kills git and closes its channel when aborted', async () => {
    const repo = await makeRepo('aborted')
    const controller = new AbortController()
    const running = connection.git(['fetch', gitRemoteUrl(settings, 'hold'), 'main'], {cwd: repo, timeoutMs, signal: controller.signal})
    await server.waitFor(() => server.openChannels() === 1, 'the fetch to reach the host')
    const reason = new Error('graduation aborted')
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
    await server.waitFor(() => server.openChannels() === 0, 'the aborted fetch channel to close')
  })
})

describe('GitBridge', () => {
  it('serves from a private directory, refuses helpers it did not start, and removes the socket on close', async () => {
    const bridge = new GitBridge(helperPath)
    const target = {label: 'dokku@nowhere:22', user: 'dokku', host: 'nowhere', port: 22, openChannel: () => Promise.reject(new Error('unused'))}
    // Any git command starts the bridge; this one never needs the remote.
    expect(await bridge.run(target, ['--version'], {cwd: home.dir, timeoutMs})).toMatchObject({exitCode: 0})
    const socketPath = await bridge.socketPath()
    expect(socketPath).toBeDefined()
    const dir = path.dirname(socketPath ?? '')
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700)

    const stranger = spawn(process.execPath, [helperPath, 'dokku@nowhere', "git-upload-pack 'app'"], {
      env: {...process.env, [bridgeSocketEnv]: socketPath, [bridgeTokenEnv]: 'not-a-token'},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    stranger.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise((resolve) => stranger.on('close', resolve))
    expect(code).toBe(255)
    expect(stderr).toContain('graduate: this git process was not started by graduate')

    await bridge.close()
    await expect(fs.stat(dir)).rejects.toMatchObject({code: 'ENOENT'})
  })
})
