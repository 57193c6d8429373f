import fs from 'node:fs/promises'
import ssh2, {type AnyAuthMethod, type ParsedKey} from 'ssh2'
import {ConnectionError} from '../errors.js'
import {displayPath} from './display-path.js'
import type {ConnectionSettings} from './settings.js'

/** The authentication methods to offer a host, and a readable list of them for "authentication failed" messages. */
export interface Identities {
  methods: AnyAuthMethod[]
  /** e.g. `ssh-agent`, `~/.ssh/id_ed25519`, `~/.ssh/id_rsa (skipped: needs a passphrase)`. Never key material. */
  offered: string[]
}

/**
 * Reads the identity files once per host. A key that needs a passphrase is left to the agent when there is
 * one (that is where its unlocked copy lives); without an agent it is an error naming the file, as is any
 * file that is not a private key.
 */
export async function loadIdentities(settings: ConnectionSettings): Promise<Identities> {
  const methods: AnyAuthMethod[] = []
  const offered: string[] = []
  // Agent first, as ssh does: with Dokku the agent usually holds the key the host knows.
  if (settings.agentSocket !== undefined) {
    methods.push({type: 'agent', username: settings.user, agent: settings.agentSocket})
    offered.push('ssh-agent')
  }
  for (const file of settings.identityFiles) {
    const key = await readPrivateKey(settings, file)
    if (key === 'needs-passphrase') {
      offered.push(`${displayPath(file)} (skipped: needs a passphrase)`)
      continue
    }
    methods.push({type: 'publickey', username: settings.user, key})
    offered.push(displayPath(file))
  }
  if (methods.length === 0) {
    throw new ConnectionError(settings.label, 'no SSH identity to offer: no identity file was found and SSH_AUTH_SOCK is not set', {
      code: 'no_identity',
      hint: 'set `identityFile` for this host in the manifest, or start ssh-agent and `ssh-add` your key',
    })
  }
  return {methods, offered}
}

async function readPrivateKey(settings: ConnectionSettings, file: string): Promise<ParsedKey | 'needs-passphrase'> {
  const shown = displayPath(file)
  const fail = (message: string, hint: string, cause?: unknown): ConnectionError =>
    new ConnectionError(settings.label, message, {code: 'identity_unusable', hint, cause})

  let contents: Buffer
  try {
    contents = await fs.readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw fail(`identity file ${shown} does not exist`, 'fix `identityFile` in the manifest', error)
    throw fail(`cannot read identity file ${shown} (${code ?? 'unknown error'})`, `make ${shown} readable by this user`, error)
  }

  // ssh2's parse errors describe the format ("Unsupported key format"), never the key itself.
  const parsed = ssh2.utils.parseKey(contents)
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      if (settings.agentSocket !== undefined) return 'needs-passphrase'
      throw fail(
        `identity file ${shown} is protected by a passphrase, and graduate cannot ask for one`,
        `load the key into ssh-agent (\`ssh-add ${shown}\`) and make sure SSH_AUTH_SOCK is set`,
      )
    }
    throw fail(`identity file ${shown} is not a private key graduate can read: ${parsed.message}`, 'point `identityFile` at an OpenSSH or PEM private key')
  }
  // OpenSSH's format can hold several keys; ssh only ever writes (and uses) the first.
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (key === undefined || !key.isPrivateKey()) {
    throw fail(`identity file ${shown} holds a public key, not a private key`, 'point `identityFile` at the private key (the file without `.pub`)')
  }
  return key
}
