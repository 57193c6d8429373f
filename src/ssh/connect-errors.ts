import {ConnectionError} from '../errors.js'
import type {ConnectionSettings} from './settings.js'

/** ssh2 tags its errors with a `level`; sockets add an errno `code`. */
type Ssh2Error = Error & {level?: string; code?: string | number}

const transientCodes = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN'])

/** Worth another attempt: the network or sshd hiccuped. Never host-key, authentication or configuration problems. */
export function isTransientConnectError(error: unknown): boolean {
  if (error instanceof ConnectionError) return false
  return transientCodes.has(errnoOf(error) ?? '') || (error as Ssh2Error | undefined)?.level === 'client-timeout' || isHandshakeCutOff(error)
}

/** Turns what ssh2 reports while connecting into a message naming the host and a hint saying who acts next. */
export function toConnectionError(error: unknown, settings: ConnectionSettings, offered: string[]): ConnectionError {
  if (error instanceof ConnectionError) return error
  const where = `${settings.host} port ${settings.port}`
  const make = (code: string, message: string, hint: string) => new ConnectionError(settings.label, message, {code, hint, cause: error})
  const err = error as Ssh2Error

  switch (errnoOf(error)) {
    case 'ECONNREFUSED':
      return make('connection_refused', `connection refused by ${where}`, 'start sshd on the host, or fix the port for this host in the manifest')
    case 'ETIMEDOUT':
      return make('connection_timeout', `no answer from ${where}`, 'check that the host is up and that no firewall drops SSH to that port')
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make('host_unreachable', `no route to ${where}`, 'check your network or VPN route to the host')
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make('dns_failed', `cannot resolve the host name ${settings.host}`, 'check the host name in the manifest, and your DNS')
    case 'ECONNRESET':
    case 'EPIPE':
      return make('connection_reset', `${where} reset the connection`, cutOffHint)
  }
  if (err?.level === 'client-timeout') {
    return make(
      'connection_timeout',
      `no SSH handshake with ${where} within ${settings.connectTimeoutMs / 1000} s`,
      'check that the host is up, that sshd (not something else) listens on that port, and that no firewall drops SSH',
    )
  }
  if (isHandshakeCutOff(error)) return make('connection_reset', `${where} closed the connection during the SSH handshake`, cutOffHint)
  if (err?.level === 'client-authentication') {
    return make(
      'auth_failed',
      `the host refused our SSH keys for user ${settings.user} (offered: ${offered.join(', ')})`,
      'add your public key to Dokku on the host (as root: `dokku ssh-keys:add <name> <your-key>.pub`), or set `identityFile` for this host in the manifest',
    )
  }
  if (err?.level === 'handshake') {
    return make('handshake_failed', `SSH handshake with ${where} failed: ${err.message}`, 'the host and graduate share no SSH algorithms; check its sshd configuration')
  }
  return make('connection_failed', `SSH connection to ${where} failed: ${err?.message ?? String(error)}`, 'check that the host is up and reachable over SSH')
}

const cutOffHint = 'sshd may be refusing new connections (MaxStartups) or a firewall cut it; try again, then check sshd on the host'

function errnoOf(error: unknown): string | undefined {
  const code = (error as Ssh2Error | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

function isHandshakeCutOff(error: unknown): boolean {
  const message = (error as Error | undefined)?.message
  return message === 'Connection lost before handshake'
}
