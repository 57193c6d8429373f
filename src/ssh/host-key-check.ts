import type {ServerHostKeyAlgorithm} from 'ssh2'
import {ConnectionError, HostKeyError} from '../errors.js'
import {displayPath} from './display-path.js'
import {checkHostKey, fingerprint, keyTypeOf, keyTypesKnownFor, knownHostsName, loadKnownHosts, type HostKeyVerdict} from './known-hosts.js'
import type {ConnectionSettings} from './settings.js'
import {shellWord} from './shell-words.js'

/** Strict host-key checking for one connection attempt: never accepts a key known_hosts does not vouch for. */
export interface HostKeyCheck {
  /** Host key algorithms to offer, those with a known key for this host first (as ssh orders them). */
  readonly algorithms: ServerHostKeyAlgorithm[]
  /** ssh2's hostVerifier: remembers the presented key so a refusal can name its fingerprint. */
  verify(keyBlob: Buffer): boolean
  /** Why the handshake was refused, once verify() returned false. */
  refusal(): HostKeyError | undefined
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
  let entries
  try {
    entries = await loadKnownHosts(settings.knownHostsFiles)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new ConnectionError(settings.label, `cannot read known_hosts (${reason}); host keys cannot be verified`, {
      code: 'known_hosts_unreadable',
      hint: `make ${settings.knownHostsFiles.map((file) => displayPath(file)).join(', ')} readable by this user`,
      cause: error,
    })
  }

  const known = keyTypesKnownFor(entries, settings.host, settings.port).flatMap((type) => algorithmsForKeyType[type] ?? [])
  const algorithms = [...new Set([...preferredAlgorithms.filter((algorithm) => known.includes(algorithm)), ...known, ...preferredAlgorithms])]

  let refused: HostKeyError | undefined
  return {
    algorithms,
    verify(keyBlob) {
      const verdict = checkHostKey(entries, settings.host, settings.port, keyBlob)
      if (verdict.status === 'match') return true
      refused = explainRefusal(settings, keyBlob, verdict)
      return false
    },
    refusal: () => refused,
  }
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
  const name = knownHostsName(settings.host, settings.port)
  const keyscan = `ssh-keyscan -p ${settings.port} ${shellWord(settings.host)} >> ${shellWord(displayPath(file))}`
  const verifyFirst = `verify ${presented} out of band (on the host: \`ssh-keygen -lf /etc/ssh/ssh_host_${keyFileStem(keyBlob)}_key.pub\`)`

  switch (verdict.status) {
    case 'unknown':
      return new HostKeyError(settings.label, 'unknown', {
        presented,
        message: `host key not known: the host presented ${key}, and ${files} has no key for ${name}`,
        hint: `${verifyFirst}, then run \`${keyscan}\``,
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
      const remove = `ssh-keygen -R ${shellWord(name)}${isDefaultKnownHosts(staleFile) ? '' : ` -f ${shellWord(displayPath(staleFile))}`}`
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
