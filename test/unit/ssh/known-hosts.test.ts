import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {checkHostKey, fingerprint, keyTypesKnownFor, loadKnownHosts, parseKnownHosts} from '../../../src/ssh/known-hosts.js'

// Keys and hashed files come from the real OpenSSH tools, so the parser is held to what ssh writes.
let dir: string
let ed25519: {line: string; blob: Buffer; sshKeygenFingerprint: string}
let other: {line: string; blob: Buffer}
let rsa: {line: string; blob: Buffer; sshKeygenFingerprint: string}

function makeKey(name: string, type: 'ed25519' | 'rsa') {
  const file = path.join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', name, '-f', file])
  const [keyType, base64] = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(' ')
  const sshKeygenFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], {encoding: 'utf8'}).split(' ')[1] ?? ''
  return {line: `${keyType} ${base64}`, blob: Buffer.from(base64 ?? '', 'base64'), sshKeygenFingerprint}
}

function hashed(lines: string[]): string {
  const file = path.join(dir, `hashed-${Math.random().toString(36).slice(2)}`)
  fs.writeFileSync(file, lines.join('\n') + '\n')
  execFileSync('ssh-keygen', ['-H', '-f', file], {stdio: 'ignore'})
  return fs.readFileSync(file, 'utf8')
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-known-hosts-'))
  ed25519 = makeKey('host_ed25519', 'ed25519')
  other = makeKey('other_ed25519', 'ed25519')
  rsa = makeKey('host_rsa', 'rsa')
})

afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

const check = (text: string, host: string, port: number, blob: Buffer) => checkHostKey(parseKnownHosts(text, 'known_hosts'), host, port, blob)

describe('fingerprint', () => {
  it('is the SHA256 fingerprint ssh-keygen -l prints', () => {
    expect(fingerprint(ed25519.blob)).toBe(ed25519.sshKeygenFingerprint)
    expect(fingerprint(rsa.blob)).toBe(rsa.sshKeygenFingerprint)
    expect(fingerprint(ed25519.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })
})

describe('checkHostKey with plain entries', () => {
  it('matches a bare host name, and knows nothing of other hosts', () => {
    const text = `prod.example.com ${ed25519.line}\n`
    expect(check(text, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'dev.example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
  })

  it('matches any name of a comma list, ignoring case', () => {
    const text = `prod.example.com,10.0.0.5 ${ed25519.line}\n`
    expect(check(text, '10.0.0.5', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'PROD.Example.com', 22, ed25519.blob)).toEqual({status: 'match'})
  })

  it('files non-standard ports as [host]:port and port 22 as the bare host', () => {
    const text = `[prod.example.com]:2222 ${ed25519.line}\nstaging.example.com ${ed25519.line}\n`
    expect(check(text, 'prod.example.com', 2222, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
    expect(check(text, 'staging.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'staging.example.com', 2222, ed25519.blob)).toEqual({status: 'unknown'})
  })

  it('reports a different key for a known host as changed, with the expected fingerprints and where they are', () => {
    const text = `# the production host\n\nprod.example.com ${ed25519.line}\n`
    expect(check(text, 'prod.example.com', 22, other.blob)).toEqual({
      status: 'changed',
      expected: [ed25519.sshKeygenFingerprint],
      sources: ['known_hosts:3'],
    })
  })

  it('matches when any of several keys for the host is presented', () => {
    const text = `prod.example.com ${rsa.line}\nprod.example.com ${ed25519.line}\n`
    expect(check(text, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(keyTypesKnownFor(parseKnownHosts(text, 'f'), 'prod.example.com', 22)).toEqual(['ssh-rsa', 'ssh-ed25519'])
  })
})

describe('checkHostKey with hashed entries from ssh-keygen -H', () => {
  it('matches the hashed host and the hashed [host]:port, and nothing else', () => {
    const text = hashed([`prod.example.com ${ed25519.line}`, `[127.0.0.1]:2222 ${other.line}`])
    expect(text).not.toContain('prod.example.com')
    expect(text.split('\n').filter(Boolean).every((line) => line.startsWith('|1|'))).toBe(true)

    expect(check(text, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, '127.0.0.1', 2222, other.blob)).toEqual({status: 'match'})
    expect(check(text, '127.0.0.1', 22, other.blob)).toEqual({status: 'unknown'})
    expect(check(text, 'dev.example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
    expect(check(text, 'prod.example.com', 22, other.blob)).toMatchObject({status: 'changed', expected: [ed25519.sshKeygenFingerprint]})
  })
})

describe('checkHostKey with patterns', () => {
  it('honours * and ?, and a negated pattern rules its line out', () => {
    const text = `*.example.com,!secret.example.com ${ed25519.line}\ndb?.internal ${ed25519.line}\n`
    expect(check(text, 'web.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'secret.example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
    expect(check(text, 'db1.internal', 22, ed25519.blob)).toEqual({status: 'match'})
    expect(check(text, 'db10.internal', 22, ed25519.blob)).toEqual({status: 'unknown'})
    expect(check(text, 'example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
  })
})

describe('checkHostKey with markers', () => {
  it('refuses a @revoked key even when a plain line also lists it', () => {
    const text = `prod.example.com ${ed25519.line}\n@revoked * ${ed25519.line}\n`
    expect(check(text, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'revoked', sources: ['known_hosts:2']})
    expect(check(text, 'prod.example.com', 22, other.blob)).toMatchObject({status: 'changed'})
  })

  it('says a host vouched for only by a @cert-authority is not supported, unless a plain key matches too', () => {
    const authorityOnly = `@cert-authority *.example.com ${other.line}\n`
    expect(check(authorityOnly, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'cert-authority-only', sources: ['known_hosts:1']})
    const withPlainKey = `${authorityOnly}prod.example.com ${ed25519.line}\n`
    expect(check(withPlainKey, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'match'})
  })
})

describe('parseKnownHosts', () => {
  it('skips comments, blank lines, unknown markers and lines whose key does not match its type', () => {
    const [type, base64] = ed25519.line.split(' ')
    const text = [
      '# comment',
      '',
      `@future-marker prod.example.com ${ed25519.line}`,
      `prod.example.com ssh-rsa ${base64}`,
      `prod.example.com ${type} not-base64!!`,
      'prod.example.com',
      `  indented.example.com ${ed25519.line} a comment with spaces`,
    ].join('\n')
    const entries = parseKnownHosts(text, 'f')
    expect(entries.map((entry) => entry.source)).toEqual(['f:7'])
    expect(checkHostKey(entries, 'prod.example.com', 22, ed25519.blob)).toEqual({status: 'unknown'})
  })

  it('reads files, treating a missing one as empty and refusing one it cannot read', async () => {
    const file = path.join(dir, 'known_hosts_file')
    fs.writeFileSync(file, `prod.example.com ${ed25519.line}\n`)
    const entries = await loadKnownHosts([path.join(dir, 'missing'), file])
    expect(entries.map((entry) => entry.source)).toEqual([`${file}:1`])
    await expect(loadKnownHosts([dir])).rejects.toMatchObject({code: 'EISDIR'})
  })
})
