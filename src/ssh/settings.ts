import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {HostSpec} from '../manifest/types.js'

export type {HostSpec} from '../manifest/types.js'

/** Everything needed to open SSH connections to one host, decided in one place (settingsFor). */
export interface ConnectionSettings {
  /** What to connect to: a DNS name or an IP address. Also the name looked up in known_hosts. */
  host: string
  port: number
  user: string
  /** Absolute paths of private keys to offer, in order. */
  identityFiles: string[]
  /** Absolute paths of known_hosts files; a missing file counts as empty. */
  knownHostsFiles: string[]
  /** ssh-agent socket to offer keys from, or undefined for no agent. */
  agentSocket: string | undefined
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
}

// OpenSSH's default identity files, in the order ssh(1) tries them (DSA is long gone).
const defaultIdentityNames = ['id_ed25519', 'id_ecdsa', 'id_rsa']

export function systemDefaults(env: NodeJS.ProcessEnv = process.env): SettingsDefaults {
  return {
    homeDir: os.homedir(),
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    connectTimeoutMs: 15_000,
    // dokku-contract.md §4: ServerAliveInterval=15, ServerAliveCountMax=8 survives idle NAT during long holds.
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 8,
    maxSessions: 10,
    maxConnections: 4,
  }
}

export function settingsFor(spec: HostSpec, defaults: SettingsDefaults = systemDefaults()): ConnectionSettings {
  const user = spec.user ?? 'dokku'
  const port = spec.port ?? 22
  const sshDir = path.join(defaults.homeDir, '.ssh')
  const identityFiles =
    spec.identityFile === undefined
      ? defaultIdentityNames.map((name) => path.join(sshDir, name)).filter((file) => fs.existsSync(file))
      : [expandHome(spec.identityFile, defaults.homeDir)]
  const knownHostsFiles = [
    spec.knownHostsFile === undefined ? path.join(sshDir, 'known_hosts') : expandHome(spec.knownHostsFile, defaults.homeDir),
  ]
  return {
    host: spec.host,
    port,
    user,
    identityFiles,
    knownHostsFiles,
    agentSocket: defaults.agentSocket,
    label: `${user}@${spec.host}:${port}`,
    connectTimeoutMs: defaults.connectTimeoutMs,
    keepaliveIntervalMs: defaults.keepaliveIntervalMs,
    keepaliveCountMax: defaults.keepaliveCountMax,
    maxSessions: defaults.maxSessions,
    maxConnections: defaults.maxConnections,
  }
}

function expandHome(file: string, homeDir: string): string {
  if (file === '~') return homeDir
  if (file.startsWith('~/')) return path.join(homeDir, file.slice(2))
  return path.resolve(file)
}
