import {describe, expect, it} from 'vitest'
import {isTransientConnectError, toConnectionError} from '../../../src/ssh/connect-errors.js'
import {settingsFor, systemDefaults} from '../../../src/ssh/settings.js'

const settings = settingsFor({host: 'prod.example.com', display: 'prod'}, {...systemDefaults({}), homeDir: '/nonexistent', configFiles: [], connectTimeoutMs: 15_000})

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:22`), {code, level: 'client-socket'})
}

// Failures the in-process server cannot produce on loopback; the live ones are in connect.test.ts.
describe('connection error mapping', () => {
  it('names the host and says who acts next for DNS and routing failures', () => {
    const dns = toConnectionError(socketError('ENOTFOUND'), settings, [])
    expect(dns).toMatchObject({code: 'dns_failed', host: 'dokku@prod.example.com:22'})
    expect(dns.message).toBe('dokku@prod.example.com:22: cannot resolve the host name prod.example.com')
    expect(dns.hint).toContain('check the host name in the manifest')

    const unreachable = toConnectionError(socketError('EHOSTUNREACH'), settings, [])
    expect(unreachable).toMatchObject({code: 'host_unreachable'})
    expect(unreachable.hint).toContain('VPN')

    const timeout = toConnectionError(socketError('ETIMEDOUT'), settings, [])
    expect(timeout).toMatchObject({code: 'connection_timeout'})
  })

  it('retries only transient network failures', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']) expect(isTransientConnectError(socketError(code))).toBe(true)
    for (const code of ['ENOTFOUND', 'EHOSTUNREACH']) expect(isTransientConnectError(socketError(code))).toBe(false)
    const auth = Object.assign(new Error('All configured authentication methods failed'), {level: 'client-authentication'})
    expect(isTransientConnectError(auth)).toBe(false)
    expect(isTransientConnectError(toConnectionError(socketError('ECONNREFUSED'), settings, []))).toBe(false)
  })
})
