import {describeValue} from './expectation.js'

/**
 * Host addresses as the manifest writes them: `[user@]host[:port]`, IPv6 in brackets. The host may
 * be an alias from ~/.ssh/config, so user and port stay unset unless written.
 */
export interface HostAddress {
  user?: string
  hostname: string
  port?: number
}

// A leading hyphen would read as an option to ssh or git, so names start with a letter, digit or _.
const NAME = '[A-Za-z0-9_][A-Za-z0-9._-]*'
const IPV6 = '[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*'

/** The short form, also used as the JSON Schema pattern. */
export const HOST_STRING_PATTERN = new RegExp(`^(?:${NAME}@)?(?:${NAME}|\\[${IPV6}\\])(?::\\d+)?$`)
/** `hostname:` in the long form: a name, an IPv4 address or a bare IPv6 address. */
export const HOSTNAME_PATTERN = new RegExp(`^(?:${NAME}|${IPV6})$`)
export const USER_PATTERN = new RegExp(`^${NAME}$`)

export const HOST_EXPECTED = 'a host like dokku@host:22 or {hostname, user, port}'
export const HOST_STRING_EXPECTED = 'a host like dokku@dokku.example.com:22 ([user@]host[:port])'
export const PORT_EXPECTED = 'a port from 1 to 65535'
export const SSH_DEFAULT_PORT = 22

const HOST_STRING_PARTS = new RegExp(`^(?:(?<user>${NAME})@)?(?:(?<name>${NAME})|\\[(?<ipv6>${IPV6})\\])(?::(?<port>\\d+))?$`)

export type HostStringResult = {ok: true; address: HostAddress} | {ok: false; problem: string}

export function parseHostString(text: string): HostStringResult {
  const groups = HOST_STRING_PARTS.exec(text)?.groups
  if (!groups) return {ok: false, problem: `expected ${HOST_STRING_EXPECTED}, got ${describeValue(text)}`}
  const address: HostAddress = {hostname: groups.name ?? groups.ipv6 ?? ''}
  if (groups.user !== undefined) address.user = groups.user
  if (groups.port !== undefined) {
    const port = Number(groups.port)
    if (!isPort(port)) return {ok: false, problem: `port ${groups.port} is out of range; expected ${PORT_EXPECTED}`}
    address.port = port
  }
  return {ok: true, address}
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65_535
}

/** `user@host:port` with IPv6 bracketed; callers pass defaults for what the manifest left out. */
export function formatHostAddress(address: {user: string | undefined; hostname: string; port: number}): string {
  const host = address.hostname.includes(':') ? `[${address.hostname}]` : address.hostname
  return `${address.user === undefined ? '' : `${address.user}@`}${host}:${address.port}`
}

/**
 * The login graduate opens on a host — `user@host:port`, Dokku's user and SSH's port where the manifest
 * wrote none: one connection each, and how problems and plans name the host.
 */
export function hostKey(host: {user?: string | undefined; host: string; port?: number | undefined}): string {
  return formatHostAddress({user: host.user ?? 'dokku', hostname: host.host, port: host.port ?? SSH_DEFAULT_PORT})
}

/** Each login once, in the order first named (its last mention's settings, as the graduation has always used). */
export function distinctHosts<Host extends {user?: string | undefined; host: string; port?: number | undefined}>(hosts: Host[]): Host[] {
  return [...new Map(hosts.map((host) => [hostKey(host), host])).values()]
}

/** Hosts are the same machine when name and port agree; an unwritten port is SSH's default. */
export function hostIdentity(host: {host: string; port?: number | undefined}): string {
  return `${host.host}:${host.port ?? SSH_DEFAULT_PORT}`
}
