import {execFile, spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

import {pluginInstall, pluginUninstall} from '../../../src/dokku/commands/plugin.js'
import {renderRootCommand} from '../../../src/dokku/root-shell.js'
import {alwaysQuoted, shellArgument, shellLine} from '../../../src/remote/words.js'
import {RemoteCommandError} from '../../../src/errors.js'
import {RootHost} from '../../../src/remote/root-host.js'
import {removeUploadDir, uploadFile} from '../../../src/operator/upload.js'
import type {ExecOptions, ExecResult, HostConnection} from '../../../src/ssh/transport.js'

const run = promisify(execFile)

/** A "host" that is this machine's /bin/sh, as a root login's shell would run each line. */
class LocalShell implements HostConnection {
  readonly label = 'root@localhost:22'
  readonly lines: string[] = []

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    this.lines.push(command)
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', command], {stdio: ['pipe', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('close', (code) => resolve({exitCode: code, signal: null, stdout, stderr, durationMs: 0}))
      // A command that does not read its stdin may exit before it is written, as over SSH.
      child.stdin.on('error', () => {})
      child.stdin.end(options.stdin ?? '')
    })
  }

  git(): Promise<ExecResult> {
    throw new Error('not used')
  }

  async close(): Promise<void> {}
}

describe('root commands', () => {
  it('type plugin:install and plugin:uninstall in a root shell, named, or through sudo without a prompt', () => {
    const install = pluginInstall('file:///tmp/tmp.Ab12/graduate-gate-0.1.0.tgz', 'graduate')
    expect(renderRootCommand(install, {sudo: false})).toBe('dokku plugin:install file:///tmp/tmp.Ab12/graduate-gate-0.1.0.tgz --name graduate')
    expect(renderRootCommand(pluginUninstall('graduate'), {sudo: true})).toBe('sudo -n dokku plugin:uninstall graduate')
  })

  it('quote every word so that the shell hands dokku exactly the argv', async () => {
    const words = ['plugin:install', "file:///tmp/it's here/x.tgz", '$(touch /tmp/pwned)', '~/.ssh', 'a b', '--name', 'graduate']
    const line = renderRootCommand({argv: words}, {sudo: false})
    const {stdout} = await run('/bin/sh', ['-c', `dokku() { printf '%s\\n' "$@"; }; ${line}`])
    expect(stdout.split('\n').slice(0, -1)).toEqual(words)
  })

  it('refuse a word no shell line can carry', () => {
    expect(() => shellArgument('two\nlines')).toThrow(RangeError)
  })
})

describe('uploading a file to a root login', () => {
  it('puts the exact bytes in a fresh private directory, which is removed afterwards', async () => {
    const shell = new LocalShell()
    const host = new RootHost(shell, shell.label, {sudo: false})
    const bytes = crypto.randomBytes(100_000)
    const upload = await uploadFile(host, bytes, 'graduate-gate-0.1.0.tgz', {timeoutMs: 10_000})
    expect(upload.path).toBe(`${upload.dir}/graduate-gate-0.1.0.tgz`)
    expect(fs.readFileSync(upload.path).equals(bytes)).toBe(true)
    expect(fs.statSync(upload.dir).mode & 0o077).toBe(0)
    await removeUploadDir(host, upload.dir, {timeoutMs: 10_000})
    expect(fs.existsSync(upload.dir)).toBe(false)
  })

  it('names the host and the line when a command fails, and says what to do about sudo', async () => {
    const shell = new LocalShell()
    const host = new RootHost(shell, 'deploy@prod:22', {sudo: true})
    const failure = await host.shell("echo 'sudo: a password is required' >&2; exit 1", {timeoutMs: 10_000}).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(RemoteCommandError)
    expect((failure as RemoteCommandError).message).toContain('deploy@prod:22')
    expect((failure as RemoteCommandError).hint).toContain('let deploy run dokku through sudo without a password')
  })
})

describe('shell lines', () => {
  it('quote each word only as much as a POSIX shell needs, and always where asked', async () => {
    expect(shellLine(['rm', '-rf', '--', '/tmp/tmp.Ab12'])).toBe('rm -rf -- /tmp/tmp.Ab12')
    expect(shellLine(['base64', '-d'], {stdoutTo: "/tmp/it's here/x.tgz"})).toBe(`base64 -d > '/tmp/it'\\''s here/x.tgz'`)
    const line = shellLine(['printf', '%s|', alwaysQuoted('two\nlines'), '$HOME', alwaysQuoted('plain')])
    expect(line).toBe(`printf '%s|' 'two\nlines' '$HOME' 'plain'`)
    const {stdout} = await run('/bin/sh', ['-c', line])
    expect(stdout).toBe('two\nlines|$HOME|plain|')
  })
})
