import type {ServerHostKeyAlgorithm} from 'ssh2'
import {ConnectionError, HostKeyError} from '../errors.js'
import {displayPath} from './display-path.js'
import {checkHostKey, fingerprint, keyTypeOf, keyTypesKnownFor, knownHostsName, loadKnownHosts, type HostKeyVerdict} from './known-hosts.js'
import type {ConnectionSettings} from './settings.js'
import {recordHostKey} from './record-host-key.js'
import {pastedWord} from '../remote/words.js'

/** A host key graduate accepted as new and wrote to known_hosts (StrictHostKeyChecking accept-new). */
export interface RecordedHostKey {
  /** The name it was filed under, e.g. `[10.0.0.5]:2222`. */
  name: string
  keyType: string
  fingerprint: string
  file: string
}

/**
 * Host-key checking for one connection attempt: a key known_hosts vouches for is accepted; an unknown
 * one only when the settings accept new keys (it is then recorded); a changed or revoked one never.
 */
export interface HostKeyCheck {
  /** Host key algorithms to offer, those with a known key for this host first (as ssh orders them). */
  readonly algorithms: ServerHostKeyAlgorithm[]
  /** ssh2's hostVerifier (callback form): remembers the presented key so a refusal can name its fingerprint. */
  verify(keyBlob: Buffer, done: (accepted: boolean) => void): void
  /** Why the handshake was refused, once verify() said no. */
  refusal(): HostKeyError | ConnectionError | undefined
  /** The key written to known_hosts during this attempt, if one was. */
  recorded(): RecordedHostKey | undefined
}

// Our preference among the algorithms ssh2 speaks; DSA only when it is all known_hosts has for the host.
const preferredAlgorithms: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]

const algorithmsForKeyType: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
}

export async function prepareHostKeyCheck(settings: ConnectionSettings): Promise<HostKeyCheck> {
  const files = [...settings.knownHostsFiles, ...settings.globalKnownHostsFiles]
  let entries
  try {
    entries = await loadKnownHosts(files)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ConnectionError(settings.label, `cannot read known_hosts (${reason}); host keys cannot be verified`, {
      code: 'known_hosts_unreadable',
      hint: `make ${files.map((file) => displayPath(file)).join(', ')} readable by this user`,
      cause: error,
    })
  }

  // HostKeyAlias is looked up as written, without the port (sshconnect.c); the host name as [host]:port.
  const lookup = hostKeyName(settings)
  const lookupPort = settings.hostKeyAlias === undefined ? settings.port : 22
  const known = keyTypesKnownFor(entries, lookup, lookupPort).flatMap((type) => algorithmsForKeyType[type] ?? [])
  const algorithms = [...new Set([...preferredAlgorithms.filter((algorithm) => known.includes(algorithm)), ...known, ...preferredAlgorithms])]

  let refused: HostKeyError | ConnectionError | undefined
  let recorded: RecordedHostKey | undefined
  return {
    algorithms,
    verify(keyBlob, done) {
      const verdict = checkHostKey(entries, lookup, lookupPort, keyBlob)
      if (verdict.status === 'match') return done(true)
      // ssh: a key new for [host]:port is still accepted when the bare host name has that very key.
      if (verdict.status === 'unknown' && lookupPort !== 22 && checkHostKey(entries, lookup, 22, keyBlob).status === 'match') return done(true)
      const isNew = verdict.status === 'unknown' || verdict.status === 'cert-authority-only'
      if (!isNew || !settings.acceptNewHostKeys) {
        refused = explainRefusal(settings, keyBlob, verdict)
        return done(false)
      }
      const file = settings.knownHostsFiles[0]
      const keyType = keyTypeOf(keyBlob)
      if (file === undefined || keyType === undefined) {
        refused = explainRefusal(settings, keyBlob, verdict)
        return done(false)
      }
      const name = knownHostsName(lookup, lookupPort)
      recordHostKey(file, name, keyType, keyBlob, settings.hashKnownHosts).then(
        () => {
          recorded = {name, keyType, fingerprint: fingerprint(keyBlob), file}
          done(true)
        },
        (error: unknown) => {
          refused = new ConnectionError(settings.label, `cannot record the new host key in ${displayPath(file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
            code: 'known_hosts_unwritable',
            hint: `make ${displayPath(file)} writable by this user, or add the key yourself`,
            cause: error,
          })
          done(false)
        },
      )
    },
    refusal: () => refused,
    recorded: () => recorded,
  }
}

/** The name known_hosts files the host under: HostKeyAlias when set, as in ssh. */
function hostKeyName(settings: ConnectionSettings): string {
  return settings.hostKeyAlias ?? settings.host
}

function explainRefusal(
  settings: ConnectionSettings,
  keyBlob: Buffer,
  verdict: Exclude<HostKeyVerdict, {status: 'match'}>,
): HostKeyError {
  const presented = fingerprint(keyBlob)
  const key = `${keyTypeOf(keyBlob) ?? 'unknown-type'} key ${presented}`
  const file = settings.knownHostsFiles[0] ?? '~/.ssh/known_hosts'
  const files = settings.knownHostsFiles.map((name) => displayPath(name)).join(', ')
  const name = settings.hostKeyAlias ?? knownHostsName(settings.host, settings.port)
  const keyscan = `ssh-keyscan -p ${settings.port} ${pastedWord(settings.host)} >> ${pastedWord(displayPath(file))}`
  const verifyFirst = `verify ${presented} out of band (on the host: \`ssh-keygen -lf /etc/ssh/ssh_host_${keyFileStem(keyBlob)}_key.pub\`)`

  switch (verdict.status) {
    case 'unknown':
      return new HostKeyError(settings.label, 'unknown', {
        presented,
        message: `host key not known: the host presented ${key}, and ${files} has no key for ${name}`,
        hint: `${verifyFirst}, then run \`${keyscan}\` (or run graduate once with --accept-new-host-keys, which records it)`,
      })
    case 'cert-authority-only':
      return new HostKeyError(settings.label, 'unknown', {
        presented,
        message:
          `host key not known: the host presented ${key}; ${sourcesText(verdict.sources)} trusts a @cert-authority ` +
          `for ${name}, but graduate does not support host certificates`,
        hint: `add the host's plain key beside the @cert-authority line: ${verifyFirst}, then run \`${keyscan}\``,
      })
    case 'changed': {
      const staleFile = verdict.sources[0]?.replace(/:\d+$/, '') ?? file
      const remove = `ssh-keygen -R ${pastedWord(name)}${isDefaultKnownHosts(staleFile) ? '' : ` -f ${pastedWord(displayPath(staleFile))}`}`
      return new HostKeyError(settings.label, 'changed', {
        presented,
        expected: verdict.expected,
        message:
          `HOST KEY CHANGED: the host presented ${key}, but ${sourcesText(verdict.sources)} ` +
          `expects ${verdict.expected.join(' or ')}. Someone may be intercepting the connection, or the host was rebuilt`,
        hint: `if the host was rebuilt: ${verifyFirst}, then run \`${remove}\` and \`${keyscan}\`; otherwise do not connect`,
      })
    }
    case 'revoked':
      return new HostKeyError(settings.label, 'revoked', {
        presented,
        message: `the host presented ${key}, which ${sourcesText(verdict.sources)} marks @revoked; graduate will not connect`,
        hint: "ask the host's administrator for its current key; do not remove the @revoked line unless you know why it is there",
      })
  }
}

function sourcesText(sources: string[]): string {
  return sources.map((source) => source.replace(/^(.*)(:\d+)$/, (_, file: string, line: string) => displayPath(file) + line)).join(', ')
}

function isDefaultKnownHosts(file: string): boolean {
  return displayPath(file) === '~/.ssh/known_hosts'
}

// The file sshd keeps each host key type in, so the hint names the right one to fingerprint.
function keyFileStem(keyBlob: Buffer): string {
  const type = keyTypeOf(keyBlob) ?? ''
  if (type.startsWith('ecdsa-')) return 'ecdsa'
  if (type === 'ssh-rsa') return 'rsa'
  if (type === 'ssh-dss') return 'dsa'
  return 'ed25519'
}
