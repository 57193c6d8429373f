import {describe, expect, test} from 'vitest'

import {distinctHosts, formatHostAddress, hostIdentity, hostKey, parseHostString} from '../../../src/manifest/host.js'

describe('parseHostString', () => {
  test.each([
    ['dokku.example.com', {hostname: 'dokku.example.com'}],
    ['dokku@dokku.example.com', {user: 'dokku', hostname: 'dokku.example.com'}],
    ['dokku@dokku.example.com:2222', {user: 'dokku', hostname: 'dokku.example.com', port: 2222}],
    ['prod-alias', {hostname: 'prod-alias'}],
    ['10.0.0.5:22', {hostname: '10.0.0.5', port: 22}],
    ['dokku@[2001:db8::1]:2200', {user: 'dokku', hostname: '2001:db8::1', port: 2200}],
    ['[::1]', {hostname: '::1'}],
  ])('%s', (text, address) => {
    expect(parseHostString(text)).toEqual({ok: true, address})
  })

  test.each([
    ['dokku@', 'the text "dokku@"'],
    ['@host', 'the text "@host"'],
    ['dokku@@host', 'the text "dokku@@host"'],
    ['host:ssh', 'the text "host:ssh"'],
    ['2001:db8::1', 'the text "2001:db8::1"'],
    ['ssh://dokku@host', 'the text "ssh://dokku@host"'],
    ['-oProxyCommand=touch', 'the text "-oProxyCommand=touch"'],
    ['dokku@host name', 'the text "dokku@host name"'],
  ])('%s is not a host', (text, shown) => {
    expect(parseHostString(text)).toEqual({ok: false, problem: `expected a host like dokku@dokku.example.com:22 ([user@]host[:port]), got ${shown}`})
  })

  test('a port must be in range', () => {
    expect(parseHostString('host:0')).toEqual({ok: false, problem: 'port 0 is out of range; expected a port from 1 to 65535'})
    expect(parseHostString('host:65536')).toEqual({ok: false, problem: 'port 65536 is out of range; expected a port from 1 to 65535'})
  })
})

test('formatHostAddress brackets IPv6 and leaves out a missing user', () => {
  expect(formatHostAddress({user: 'dokku', hostname: '2001:db8::1', port: 22})).toBe('dokku@[2001:db8::1]:22')
  expect(formatHostAddress({user: undefined, hostname: 'db.example.com', port: 2022})).toBe('db.example.com:2022')
})

test('hostIdentity treats an unwritten port as 22', () => {
  expect(hostIdentity({host: 'a.example.com'})).toBe(hostIdentity({host: 'a.example.com', port: 22}))
  expect(hostIdentity({host: 'a.example.com'})).not.toBe(hostIdentity({host: 'a.example.com', port: 2222}))
})

describe('hostKey and distinctHosts: the login graduate opens on a host', () => {
  test('names a host user@host:port with Dokku’s user and SSH’s port where none is written, IPv6 in brackets', () => {
    expect(hostKey({host: 'prod-1.example.com'})).toBe('dokku@prod-1.example.com:22')
    expect(hostKey({user: 'deploy', host: 'prod-1.example.com', port: 2222})).toBe('deploy@prod-1.example.com:2222')
    expect(hostKey({host: '2001:db8::1', port: 22})).toBe('dokku@[2001:db8::1]:22')
  })

  test('keeps each login once, in the order first named: an unwritten user or port is the default one', () => {
    const hosts = [{host: 'a'}, {host: 'a', port: 22}, {user: 'dokku', host: 'a'}, {user: 'root', host: 'a'}, {host: 'b'}, {host: 'a', port: 2222}]
    expect(distinctHosts(hosts).map(hostKey)).toEqual(['dokku@a:22', 'root@a:22', 'dokku@b:22', 'dokku@a:2222'])
  })
})
