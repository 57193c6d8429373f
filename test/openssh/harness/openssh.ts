import {execFile, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {killAtTeardown} from '../../support/child-processes.js'
import {runMarker} from '../../support/leftover-processes.js'
import {killChildFamily} from '../../support/process-tree.js'

/*
 * Real OpenSSH for tests: Debian's sshd on loopback ports with an unprivileged config in a temp dir,
 * a real ssh-agent, keys from ssh-keygen, and `ssh -G` as the reference for what a config resolves to.
 *
 * Logins are the CURRENT user's: sshd can only log in the user it runs as unless it runs as root, and
 * a throwaway account would mean editing /etc/passwd on a developer's machine. What makes a login
 * Dokku's is the authorized_keys line (the forced command), not the account name.
 */

const run = promisify(execFile)

export const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((candidate) => fs.existsSync(candidate))
const clientTools = ['ssh', 'ssh-keygen', 'ssh-agent', 'ssh-add'].every((tool) =>
  (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, tool))),
)
export const opensshAvailable = SSHD !== undefined && clientTools
export const SKIP_MESSAGE = 'sshd not found: apt-get install openssh-server to run the OpenSSH tests'

if (!opensshAvailable) {
  // CI installs openssh-server (.ci/run): there a missing sshd is a broken setup, not a reason to skip.
  if (process.env.CI) throw new Error(`${SKIP_MESSAGE} (CI must run them)`)
  console.warn(SKIP_MESSAGE)
}

export const localUser = os.userInfo().username

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa'

export interface KeyPair {
  /** The private key file; its public half is beside it with `.pub`. */
  file: string
  /** `ssh-ed25519 AAAA… comment`. */
  publicLine: string
  blob: Buffer
  /** `SHA256:…`, as ssh-keygen -l prints it. */
  fingerprint: string
}

export async function generateKey(dir: string, name: string, type: KeyType, passphrase = ''): Promise<KeyPair> {
  const file = path.join(dir, name)
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', name, '-f', file])
  const publicLine = fs.readFileSync(`${file}.pub`, 'utf8').trim()
  const {stdout} = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`])
  return {file, publicLine, blob: Buffer.from(publicLine.split(' ')[1]!, 'base64'), fingerprint: stdout.split(' ')[1]!}
}

/** The authorized_keys line sshcommand writes for a Dokku key (contract §2.4): the forced command runs the host's `dokku`. */
export function dokkuAuthorizedKey(key: KeyPair, dokkuBin: string, name = 'graduate'): string {
  return `command="FINGERPRINT=${key.fingerprint} NAME=\\"${name}\\" ${dokkuBin} $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding ${key.publicLine}`
}

export interface SshdOptions {
  /** authorized_keys lines (options included). */
  authorizedKeys: string[]
  /** A bastion forwards TCP; a Dokku host does not need to. */
  allowTcpForwarding?: boolean
  hostKeyTypes?: KeyType[]
}

export interface Sshd {
  port: number
  hostKeys: KeyPair[]
  /** `[127.0.0.1]:port <type> <key>` for each host key. */
  knownHostsLines(name?: string): string[]
  setAuthorizedKeys(lines: string[]): void
  /** What sshd logged (for failure messages). */
  log(): string
  stop(): Promise<void>
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  if (!SSHD) throw new Error(SKIP_MESSAGE)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-sshd-'))
  // Privilege separation needs this directory when sshd runs as root.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', {recursive: true, mode: 0o755})
  const hostKeys = await Promise.all((options.hostKeyTypes ?? ['ed25519']).map((type) => generateKey(dir, `ssh_host_${type}_key`, type)))
  const authorizedKeys = path.join(dir, 'authorized_keys')
  const setAuthorizedKeys = (lines: string[]) => fs.writeFileSync(authorizedKeys, lines.map((line) => `${line}\n`).join(''), {mode: 0o600})
  setAuthorizedKeys(options.authorizedKeys)

  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const config = path.join(dir, 'sshd_config')
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        ...hostKeys.map((key) => `HostKey ${key.file}`),
        'PidFile none',
        `AuthorizedKeysFile ${authorizedKeys}`,
        // The temp dir sits under a world-writable /tmp, which StrictModes would refuse.
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        `AllowTcpForwarding ${options.allowTcpForwarding ? 'yes' : 'no'}`,
        'AllowAgentForwarding no',
        'X11Forwarding no',
        'PrintMotd no',
        'UseDNS no',
        // OpenSSH's default, written out because the MaxSessions test depends on it.
        'MaxSessions 10',
        'MaxStartups 100',
        'LogLevel INFO',
        // sshd gives a session a fresh environment: the test run's marker must be set again, or the
        // final leftover check could not see a session's commands once sshd is gone.
        // (One SetEnv line: sshd takes only the first.)
        ...(Object.keys(runMarker()).length > 0 ? [`SetEnv ${Object.entries(runMarker()).map(([name, value]) => `${name}=${value}`).join(' ')}`] : []),
        '',
      ].join('\n'),
    )
    const child = killAtTeardown(spawn(SSHD, ['-D', '-e', '-f', config], {stdio: ['ignore', 'ignore', 'pipe']}))
    let log = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000)
    })
    const outcome = await new Promise<'listening' | 'port-taken' | 'failed'>((resolve) => {
      const onData = () => {
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve('listening')
        else if (/Address already in use/.test(log)) resolve('port-taken')
      }
      child.stderr!.on('data', onData)
      child.once('exit', () => resolve(/Address already in use/.test(log) ? 'port-taken' : 'failed'))
    })
    if (outcome === 'port-taken' && attempt < 5) {
      child.kill()
      continue
    }
    if (outcome !== 'listening') {
      child.kill()
      throw new Error(`sshd did not start:\n${log}`)
    }
    return {
      port,
      hostKeys,
      knownHostsLines: (name = `[127.0.0.1]:${port}`) => hostKeys.map((key) => `${name} ${key.publicLine.split(' ').slice(0, 2).join(' ')}`),
      setAuthorizedKeys,
      log: () => log,
      stop: async () => {
        // Each connection's sshd and each session's command run in a session of their own (setsid), so
        // stopping the listener alone would leave them to init: the whole family goes at once.
        killChildFamily(child)
        await stopProcess(child)
        fs.rmSync(dir, {recursive: true, force: true})
      },
    }
  }
}

export interface Agent {
  socket: string
  add(key: KeyPair, passphrase?: string): Promise<void>
  stop(): Promise<void>
}

/** A real ssh-agent on a socket of its own. */
export async function startAgent(dir: string): Promise<Agent> {
  const socket = path.join(dir, `agent-${Math.random().toString(36).slice(2)}.sock`)
  const child = killAtTeardown(spawn('ssh-agent', ['-D', '-a', socket], {stdio: ['ignore', 'pipe', 'ignore']}))
  // It announces the socket on stdout once it is listening.
  await new Promise((resolve, reject) => {
    child.stdout!.once('data', resolve)
    child.once('exit', (code) => reject(new Error(`ssh-agent exited ${code}`)))
  })
  return {
    socket,
    async add(key, passphrase) {
      // ssh-add reads a passphrase only from a terminal or SSH_ASKPASS; give it an askpass that prints it.
      const askpass = path.join(dir, 'askpass.sh')
      fs.writeFileSync(askpass, `#!/bin/sh\necho '${passphrase ?? ''}'\n`, {mode: 0o700})
      await run('ssh-add', ['-q', key.file], {env: {...process.env, SSH_AUTH_SOCK: socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0'}})
    },
    stop: () => stopProcess(child),
  }
}

/** What `ssh -G` resolves for a destination under one config file: option → values (lowercase names, as ssh prints them). */
export async function sshResolve(configFile: string, destination: string, options: {home: string; extra?: string[]}): Promise<Map<string, string[]>> {
  const {stdout} = await run('ssh', ['-G', '-F', configFile, ...(options.extra ?? []), destination], {env: {...process.env, HOME: options.home}})
  const resolved = new Map<string, string[]>()
  for (const line of stdout.split('\n')) {
    const [name, ...rest] = line.split(' ')
    if (!name) continue
    resolved.set(name, [...(resolved.get(name) ?? []), rest.join(' ')])
  }
  return resolved
}

/** Whether real ssh logs in (running `true` on the far side) with this config: the reference outcome for a connection test. */
export async function sshConnects(configFile: string, destination: string, options: {home: string; env?: NodeJS.ProcessEnv}): Promise<boolean> {
  try {
    await run('ssh', ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=20', destination, 'true'], {
      env: {...process.env, HOME: options.home, ...options.env},
      timeout: 60_000,
    })
    return true
  } catch {
    return false
  }
}

/** A port nothing listens on right now (bind port 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill()
  })
}
