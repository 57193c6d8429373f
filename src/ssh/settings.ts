import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {HostSpec} from '../manifest/types.js'
import {displayPath} from './display-path.js'
import {readSshConfig, type SshConfigFile, type SshConfigValues} from './ssh-config.js'
import {expandHostName, expandPath, UnsupportedTokenError, type TokenValues} from './tokens.js'

export type {HostSpec} from '../manifest/types.js'

/** Where a setting came from, for `--verbose` and `graduate doctor`. */
export type SettingOrigin = 'manifest' | 'ssh config' | 'default'

/** Everything needed to open SSH connections to one host, decided in one place (settingsFor). */
export interface ConnectionSettings {
  /** The host as the manifest (or a ProxyJump list) names it: an ~/.ssh/config alias or an address. */
  name: string
  /** What to connect to (HostName): a DNS name or an IP address. */
  host: string
  port: number
  user: string
  /** Absolute paths of private keys to offer, in order; only files that exist, except the manifest's. */
  identityFiles: string[]
  /** The manifest's identityFile: unlike a default or ~/.ssh/config key, it must be usable. */
  requiredIdentityFile: string | undefined
  /** IdentitiesOnly: offer only the identity files' keys, including through the agent. */
  identitiesOnly: boolean
  /** The user's known_hosts files; a missing file counts as empty. New host keys go to the first. */
  knownHostsFiles: string[]
  /** The system-wide known_hosts files (GlobalKnownHostsFile), read but never written. */
  globalKnownHostsFiles: string[]
  /** HostKeyAlias: the name looked up in known_hosts instead of the host name. */
  hostKeyAlias: string | undefined
  /** Whether an unknown host key is accepted and recorded (a changed key never is). */
  acceptNewHostKeys: boolean
  /** Why unknown keys are accepted or refused, e.g. `--accept-new-host-keys`, `StrictHostKeyChecking yes`. */
  hostKeyPolicy: string
  /** HashKnownHosts: record new keys hashed. A file whose entries are hashed gets hashed ones anyway. */
  hashKnownHosts: boolean
  /** ssh-agent socket to offer keys from, or undefined for no agent. */
  agentSocket: string | undefined
  /** ProxyJump: the hosts to tunnel through, first to last, each with its own settings. */
  jumpHosts: ConnectionSettings[]
  /** The ssh_config files that were read. */
  configFiles: string[]
  origins: {user: SettingOrigin; port: SettingOrigin; host: SettingOrigin}
  /** What ~/.ssh/config asks for that graduate cannot do as ssh would; connecting is refused while any remain. */
  problems: string[]
  /** How the host is named in messages, e.g. `dokku@prod:22`. */
  label: string
  /** Deadline for TCP connect + SSH handshake + authentication, per attempt. */
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  /** Unanswered keepalives before the connection is declared dead. */
  keepaliveCountMax: number
  /** Most channels open at once on one connection: sshd's MaxSessions (10 by default). */
  maxSessions: number
  /** Most connections to this host at once; further channels queue. */
  maxConnections: number
}

/** What settingsFor falls back to; systemDefaults() reads them from this machine. */
export interface SettingsDefaults {
  homeDir: string
  agentSocket: string | undefined
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  keepaliveCountMax: number
  maxSessions: number
  maxConnections: number
  /** ssh_config files in the order ssh reads them: the user's, then the system's. */
  configFiles: SshConfigFile[]
  globalKnownHostsFiles: string[]
  localUser: string
  localUid: string
  localHost: string
  /** For `${VAR}` in paths and `IdentityAgent $VAR`. */
  env: NodeJS.ProcessEnv
  /** `--accept-new-host-keys`: like `ssh -o StrictHostKeyChecking=accept-new`, it outranks ~/.ssh/config. */
  acceptNewHostKeys: boolean
}

// OpenSSH's default identity files, in the order ssh(1) tries them; those ssh2 cannot use are skipped when loading.
const defaultIdentityNames = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa']
const maxJumpDepth = 8

export function systemDefaults(env: NodeJS.ProcessEnv = process.env): SettingsDefaults {
  const homeDir = os.homedir()
  const user = safeUserInfo()
  return {
    homeDir,
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    connectTimeoutMs: 15_000,
    // dokku-contract.md §4: ServerAliveInterval=15, ServerAliveCountMax=8 survives idle NAT during long holds.
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 8,
    maxSessions: 10,
    maxConnections: 4,
    configFiles: [
      {file: path.join(homeDir, '.ssh', 'config'), system: false},
      {file: '/etc/ssh/ssh_config', system: true},
    ],
    globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    localUser: user.username,
    localUid: user.uid,
    localHost: os.hostname(),
    env,
    acceptNewHostKeys: false,
  }
}

/**
 * The settings for a manifest host. The manifest's own values (user, port, identityFile,
 * knownHostsFile) outrank ~/.ssh/config, as ssh's command line does; Dokku's `dokku` is the user
 * when neither says.
 */
export function settingsFor(spec: HostSpec, defaults: SettingsDefaults = systemDefaults()): ConnectionSettings {
  return resolve(
    {
      name: spec.host,
      user: spec.user,
      port: spec.port,
      identityFile: spec.identityFile === undefined ? undefined : expandHome(spec.identityFile, defaults.homeDir),
      knownHostsFile: spec.knownHostsFile === undefined ? undefined : expandHome(spec.knownHostsFile, defaults.homeDir),
      defaultUser: 'dokku',
    },
    defaults,
    0,
  )
}

interface Destination {
  name: string
  user: string | undefined
  port: number | undefined
  identityFile?: string | undefined
  knownHostsFile?: string | undefined
  /** Dokku hosts default to `dokku`; jump hosts, like ssh, to the local user. */
  defaultUser: string
  /** A later hop of a ProxyJump list: reached through the hop before it, whatever its own config says. */
  jumpsDecided?: boolean
}

function resolve(destination: Destination, defaults: SettingsDefaults, depth: number): ConnectionSettings {
  const config = readSshConfig(defaults.configFiles, {
    host: destination.name,
    user: destination.user,
    defaultUser: destination.defaultUser,
    localUser: defaults.localUser,
    homeDir: defaults.homeDir,
  })
  const problems = [...config.problems]
  const first = (option: string) => config.options.get(option)?.[0]
  const where = (option: string) => {
    const file = config.sources.get(option)
    return file === undefined ? 'ssh config' : displayPath(file, defaults.homeDir)
  }

  const configHostName = first('hostname')
  const configHost = configHostName === undefined ? undefined : expandHostName(configHostName, destination.name)
  const host = configHost ?? destination.name.toLowerCase()
  const configUser = first('user')
  const user = destination.user ?? configUser ?? destination.defaultUser
  const configPort = parsePort(first('port'), () => problems.push(`\`Port ${first('port')}\` in ${where('port')} is not a port number`))
  const port = destination.port ?? configPort ?? 22

  const tokens: TokenValues = {
    homeDir: defaults.homeDir,
    localUser: defaults.localUser,
    localUid: defaults.localUid,
    localHostShort: defaults.localHost.split('.')[0] ?? defaults.localHost,
    localHost: defaults.localHost,
    host,
    originalHost: destination.name,
    port: String(port),
    user,
  }
  const expand = (option: string, value: string): string | undefined => {
    try {
      return expandPath(value, tokens, defaults.homeDir, defaults.env)
    } catch (error) {
      if (!(error instanceof UnsupportedTokenError)) throw error
      problems.push(`\`${option} ${value}\` in ${where(option.toLowerCase())}: ${error.message}`)
      return undefined
    }
  }

  const configIdentityFiles = config.identityFiles.flatMap((file) => expand('IdentityFile', file) ?? [])
  const candidates =
    destination.identityFile === undefined && config.identityFiles.length === 0
      ? defaultIdentityNames.map((name) => path.join(defaults.homeDir, '.ssh', name))
      : configIdentityFiles
  const identityFiles = [...(destination.identityFile === undefined ? [] : [destination.identityFile]), ...candidates.filter((file) => fs.existsSync(file))]

  const knownHostsFiles =
    destination.knownHostsFile !== undefined
      ? [destination.knownHostsFile]
      : (config.options.get('userknownhostsfile')?.flatMap((file) => expand('UserKnownHostsFile', file) ?? []) ?? [
          path.join(defaults.homeDir, '.ssh', 'known_hosts'),
          path.join(defaults.homeDir, '.ssh', 'known_hosts2'),
        ])
  const globalKnownHostsFiles = config.options.get('globalknownhostsfile')?.flatMap((file) => expand('GlobalKnownHostsFile', file) ?? []) ?? defaults.globalKnownHostsFiles

  const strict = first('stricthostkeychecking')?.toLowerCase()
  let acceptNewHostKeys = defaults.acceptNewHostKeys
  let hostKeyPolicy = defaults.acceptNewHostKeys ? '--accept-new-host-keys' : 'graduate refuses unknown host keys by default'
  if (!defaults.acceptNewHostKeys && strict !== undefined) {
    const accepts = strictAccepts[strict]
    if (accepts === undefined) problems.push(`\`StrictHostKeyChecking ${strict}\` in ${where('stricthostkeychecking')} is not one of yes, accept-new, no, ask`)
    else {
      acceptNewHostKeys = accepts
      hostKeyPolicy = `StrictHostKeyChecking ${strict} in ${where('stricthostkeychecking')}`
    }
  }

  const yesNo = (option: string): boolean => {
    const value = first(option)?.toLowerCase()
    if (value === undefined) return false
    if (value === 'yes' || value === 'true') return true
    if (value !== 'no' && value !== 'false') problems.push(`\`${option} ${value}\` in ${where(option)} is neither yes nor no`)
    return false
  }

  const agentSetting = first('identityagent')
  let agentSocket = defaults.agentSocket
  if (agentSetting !== undefined) {
    if (agentSetting === 'none') agentSocket = undefined
    else if (agentSetting === 'SSH_AUTH_SOCK') agentSocket = defaults.env.SSH_AUTH_SOCK || undefined
    else if (agentSetting.startsWith('$')) agentSocket = defaults.env[agentSetting.slice(1)] || undefined
    else agentSocket = expand('IdentityAgent', agentSetting)
  }

  // A later hop of a ProxyJump list is reached through the hop before it: its own proxy settings do not apply.
  const proxyCommand = destination.jumpsDecided ? undefined : first('proxycommand')
  if (proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none') {
    problems.push(`\`ProxyCommand\` in ${where('proxy')}: graduate does not run proxy commands; reach the host with ProxyJump instead`)
  }
  let jumpHosts: ConnectionSettings[] = []
  const proxyJump = first('proxyjump')
  if (!destination.jumpsDecided && proxyJump !== undefined && proxyJump.toLowerCase() !== 'none') {
    if (depth >= maxJumpDepth) problems.push(`ProxyJump in ${where('proxy')} leads through more than ${maxJumpDepth} hosts: does a \`Host *\` section give the jump host its own ProxyJump?`)
    else {
      const hops = parseJumpList(proxyJump)
      if (hops === undefined) problems.push(`\`ProxyJump ${proxyJump}\` in ${where('proxy')} is not a list of [user@]host[:port]`)
      else jumpHosts = resolveJumpChain(hops, defaults, depth + 1)
    }
  }

  return {
    name: destination.name,
    host,
    port,
    user,
    identityFiles,
    requiredIdentityFile: destination.identityFile,
    identitiesOnly: yesNo('identitiesonly'),
    knownHostsFiles,
    globalKnownHostsFiles,
    hostKeyAlias: first('hostkeyalias'),
    acceptNewHostKeys,
    hostKeyPolicy,
    hashKnownHosts: yesNo('hashknownhosts'),
    agentSocket,
    jumpHosts,
    configFiles: config.files,
    origins: {
      user: destination.user !== undefined ? 'manifest' : configUser !== undefined ? 'ssh config' : 'default',
      port: destination.port !== undefined ? 'manifest' : configPort !== undefined ? 'ssh config' : 'default',
      host: configHost !== undefined ? 'ssh config' : 'default',
    },
    problems,
    label: `${user}@${destination.name}:${port}`,
    connectTimeoutMs: defaults.connectTimeoutMs,
    keepaliveIntervalMs: defaults.keepaliveIntervalMs,
    keepaliveCountMax: defaults.keepaliveCountMax,
    maxSessions: defaults.maxSessions,
    maxConnections: defaults.maxConnections,
  }
}

const strictAccepts: Record<string, boolean> = {
  yes: false,
  true: false,
  ask: false,
  'accept-new': true,
  // ssh connects even to a changed key with `no`; graduate takes it as accept-new and still refuses a changed key.
  no: true,
  off: true,
  false: true,
}

/**
 * `ssh -J A,B` reaches B through A: A is connected as its own config says (its own ProxyJump
 * included), B through A whatever B's config says. Returned flat, first hop first.
 */
function resolveJumpChain(hops: JumpHop[], defaults: SettingsDefaults, depth: number): ConnectionSettings[] {
  const chain: ConnectionSettings[] = []
  hops.forEach((hop, index) => {
    const settings = resolve({name: hop.host, user: hop.user, port: hop.port, defaultUser: defaults.localUser, jumpsDecided: index > 0}, defaults, depth)
    chain.push(...settings.jumpHosts, {...settings, jumpHosts: []})
  })
  return chain
}

interface JumpHop {
  user: string | undefined
  host: string
  port: number | undefined
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated; IPv6 addresses in brackets. */
export function parseJumpList(value: string): JumpHop[] | undefined {
  const hops: JumpHop[] = []
  for (const entry of value.split(',')) {
    const text = entry.startsWith('ssh://') ? entry.slice('ssh://'.length).replace(/\/$/, '') : entry
    const at = text.lastIndexOf('@')
    const user = at === -1 ? undefined : text.slice(0, at)
    const address = at === -1 ? text : text.slice(at + 1)
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(address)
    if (!match || user === '') return undefined
    const port = parsePort(match[3], () => {})
    if (match[3] !== undefined && port === undefined) return undefined
    hops.push({user, host: (match[1] ?? match[2])!, port})
  }
  return hops.length === 0 ? undefined : hops
}

function expandHome(file: string, homeDir: string): string {
  if (file === '~' || file.startsWith('~/')) return path.join(homeDir, file.slice(1))
  return path.resolve(file)
}

function parsePort(value: string | undefined, onInvalid: () => void): number | undefined {
  if (value === undefined) return undefined
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (port >= 1 && port <= 65_535) return port
  onInvalid()
  return undefined
}

function safeUserInfo(): {username: string; uid: string} {
  try {
    const info = os.userInfo()
    return {username: info.username, uid: String(info.uid)}
  } catch {
    // No passwd entry (some containers): ssh would fail; the environment is the best guess.
    return {username: process.env.USER ?? process.env.LOGNAME ?? 'root', uid: String(process.getuid?.() ?? 0)}
  }
}
