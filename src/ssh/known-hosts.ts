import {createHash, createHmac, timingSafeEqual} from 'node:crypto'
import fs from 'node:fs/promises'
import {matchPatternList} from './patterns.js'

/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c, match.c), read and
 * decided the way `ssh -o StrictHostKeyChecking=yes` does. No maintained npm package does this.
 */

export interface KnownHostEntry {
  /** `file:line`, for messages. */
  source: string
  marker: 'revoked' | 'cert-authority' | undefined
  hosts: {kind: 'hashed'; salt: Buffer; hash: Buffer} | {kind: 'patterns'; patterns: string[]}
  keyType: string
  keyBlob: Buffer
}

export type HostKeyVerdict =
  | {status: 'match'}
  | {status: 'unknown'}
  /** Only a `@cert-authority` line names this host; host certificates are not supported. */
  | {status: 'cert-authority-only'; sources: string[]}
  /** Keys are known for this host and the presented one is not among them. */
  | {status: 'changed'; expected: string[]; sources: string[]}
  | {status: 'revoked'; sources: string[]}

/** The OpenSSH fingerprint of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`
}

/** The key type a public key blob declares (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined
  const length = keyBlob.readUInt32BE(0)
  if (length === 0 || length > keyBlob.length - 4) return undefined
  return keyBlob.subarray(4, 4 + length).toString('latin1')
}

/** The name a host is filed under: the bare host on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase()
  return port === 22 ? name : `[${name}]:${port}`
}

/** Lines that are blank, comments, malformed or of an unknown marker are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  text.split(/\r?\n/).forEach((line, index) => {
    const entry = parseLine(line, `${file}:${index + 1}`)
    if (entry) entries.push(entry)
  })
  return entries
}

/** Reads every file; a file that does not exist counts as empty (as in ssh), any other failure throws. */
export async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const perFile = await Promise.all(
    files.map(async (file) => {
      try {
        return parseKnownHosts(await fs.readFile(file, 'utf8'), file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
    }),
  )
  return perFile.flat()
}

export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, presented: Buffer): HostKeyVerdict {
  const forHost = entriesFor(entries, host, port)
  const revoked = forHost.filter((entry) => entry.marker === 'revoked' && entry.keyBlob.equals(presented))
  if (revoked.length > 0) return {status: 'revoked', sources: revoked.map((entry) => entry.source)}
  const plain = forHost.filter((entry) => entry.marker === undefined)
  if (plain.some((entry) => entry.keyBlob.equals(presented))) return {status: 'match'}
  if (plain.length > 0) {
    return {
      status: 'changed',
      expected: [...new Set(plain.map((entry) => fingerprint(entry.keyBlob)))],
      sources: plain.map((entry) => entry.source),
    }
  }
  const authorities = forHost.filter((entry) => entry.marker === 'cert-authority')
  if (authorities.length > 0) return {status: 'cert-authority-only', sources: authorities.map((entry) => entry.source)}
  return {status: 'unknown'}
}

/**
 * Key types with a plain (usable) entry for this host, so the handshake can ask for a key type we can
 * check — what ssh does to avoid a false "changed" when the host has several keys.
 */
export function keyTypesKnownFor(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types = entriesFor(entries, host, port)
    .filter((entry) => entry.marker === undefined)
    .map((entry) => entry.keyType)
  return [...new Set(types)]
}

function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port)
  return entries.filter((entry) => hostsMatch(entry.hosts, name))
}

function parseLine(line: string, source: string): KnownHostEntry | undefined {
  const fields = line.trim().split(/\s+/)
  if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return undefined
  let marker: KnownHostEntry['marker']
  if (fields[0].startsWith('@')) {
    if (fields[0] === '@revoked') marker = 'revoked'
    else if (fields[0] === '@cert-authority') marker = 'cert-authority'
    else return undefined
    fields.shift()
  }
  const [hostField, keyType, keyBase64] = fields
  if (hostField === undefined || keyType === undefined || keyBase64 === undefined) return undefined
  const hosts = parseHosts(hostField)
  const keyBlob = Buffer.from(keyBase64, 'base64')
  // A line whose declared type disagrees with its key is corrupt; ssh ignores it too.
  if (!hosts || keyTypeOf(keyBlob) !== keyType) return undefined
  return {source, marker, hosts, keyType, keyBlob}
}

function parseHosts(field: string): KnownHostEntry['hosts'] | undefined {
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.slice(3).split('|')
    if (!salt || !hash) return undefined
    const saltBytes = Buffer.from(salt, 'base64')
    const hashBytes = Buffer.from(hash, 'base64')
    // HMAC-SHA1: 20-byte salt (the HMAC key) and 20-byte digest.
    if (saltBytes.length !== 20 || hashBytes.length !== 20) return undefined
    return {kind: 'hashed', salt: saltBytes, hash: hashBytes}
  }
  const patterns = field.split(',').filter((pattern) => pattern !== '')
  return patterns.length === 0 ? undefined : {kind: 'patterns', patterns}
}

function hostsMatch(hosts: KnownHostEntry['hosts'], name: string): boolean {
  if (hosts.kind === 'hashed') {
    return timingSafeEqual(createHmac('sha1', hosts.salt).update(name).digest(), hosts.hash)
  }
  return matchPatternList(name, hosts.patterns, {ignoreCase: true})
}
