import fs from 'node:fs/promises'
import ssh2, {type AnyAuthMethod, type ParsedKey} from 'ssh2'
import {ConnectionError} from '../errors.js'
import {listAgentKeys, RestrictedAgent} from './agent-keys.js'
import {displayPath} from './display-path.js'
import type {PassphraseSource} from './passphrases.js'
import type {ConnectionSettings} from './settings.js'

/** The authentication methods to offer a host, and a readable list of them for "authentication failed" messages. */
export interface Identities {
  methods: AnyAuthMethod[]
  /** e.g. `ssh-agent (2 keys)`, `~/.ssh/id_ed25519`, `~/.ssh/id_rsa (skipped: needs a passphrase)`. Never key material. */
  offered: string[]
}

type LoadedKey = {kind: 'key'; key: ParsedKey} | {kind: 'in-agent'; publicKey: Buffer} | {kind: 'skipped'; reason: string}

/**
 * Reads the identity files once per host, as ssh would offer them: the agent's keys first (only those an
 * IdentityFile names, with IdentitiesOnly), then each file's key. An encrypted file is unlocked only when
 * the agent does not hold its key (its `.pub` says which): with the passphrase source, and without one it
 * is left to the agent if there is one, otherwise an error naming the file. A key file graduate cannot
 * use is an error when the manifest names it, and skipped (as ssh skips it) when it is a default or
 * comes from ~/.ssh/config.
 */
export async function loadIdentities(settings: ConnectionSettings, passphrases: PassphraseSource): Promise<Identities> {
  const agentKeys = settings.agentSocket === undefined ? undefined : await listAgentKeys(settings.agentSocket)
  const agentBlobs = (agentKeys ?? []).map((key) => key.getPublicSSH())
  const inAgent = (blob: Buffer) => agentBlobs.some((candidate) => candidate.equals(blob))

  const loaded: Array<{file: string; outcome: LoadedKey}> = []
  for (const file of settings.identityFiles) {
    loaded.push({file, outcome: await loadKeyFile(settings, file, {inAgent, agentAvailable: agentKeys !== undefined, passphrases})})
  }

  const methods: AnyAuthMethod[] = []
  const offered: string[] = []
  if (settings.agentSocket !== undefined) {
    if (agentKeys === undefined) offered.push('ssh-agent (not answering)')
    else if (settings.identitiesOnly) {
      const allowed = loaded.flatMap(({outcome}) => (outcome.kind === 'key' ? [outcome.key.getPublicSSH()] : outcome.kind === 'in-agent' ? [outcome.publicKey] : []))
      const usable = allowed.filter(inAgent)
      if (usable.length > 0) methods.push({type: 'agent', username: settings.user, agent: new RestrictedAgent(settings.agentSocket, usable)})
      offered.push(`ssh-agent (${usable.length} of its ${agentKeys.length} keys: IdentitiesOnly)`)
    } else {
      if (agentKeys.length > 0) methods.push({type: 'agent', username: settings.user, agent: settings.agentSocket})
      offered.push(`ssh-agent (${agentKeys.length} key${agentKeys.length === 1 ? '' : 's'})`)
    }
  }
  const agentOffers = (blob: Buffer) => methods.some((method) => method.type === 'agent') && inAgent(blob)
  for (const {file, outcome} of loaded) {
    const shown = displayPath(file)
    if (outcome.kind === 'skipped') offered.push(`${shown} (skipped: ${outcome.reason})`)
    else if (outcome.kind === 'in-agent' || agentOffers(outcome.key.getPublicSSH())) offered.push(`${shown} (through ssh-agent)`)
    else {
      methods.push({type: 'publickey', username: settings.user, key: outcome.key})
      offered.push(shown)
    }
  }
  if (methods.length === 0) {
    throw new ConnectionError(settings.label, `no SSH identity to offer${offered.length > 0 ? ` (${offered.join(', ')})` : ': no identity file was found and SSH_AUTH_SOCK is not set'}`, {
      code: 'no_identity',
      hint: 'set `identityFile` for this host in the manifest or IdentityFile in ~/.ssh/config, or start ssh-agent and `ssh-add` your key',
    })
  }
  return {methods, offered}
}

async function loadKeyFile(
  settings: ConnectionSettings,
  file: string,
  context: {inAgent: (blob: Buffer) => boolean; agentAvailable: boolean; passphrases: PassphraseSource},
): Promise<LoadedKey> {
  const shown = displayPath(file)
  const required = file === settings.requiredIdentityFile
  const fail = (message: string, hint: string, cause?: unknown): ConnectionError =>
    new ConnectionError(settings.label, message, {code: 'identity_unusable', hint, cause})
  const unusable = (message: string, hint: string, reason: string): LoadedKey => {
    if (required) throw fail(message, hint)
    return {kind: 'skipped', reason}
  }

  let contents: Buffer
  try {
    contents = await fs.readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (!required) return {kind: 'skipped', reason: `cannot read it (${code ?? 'unknown error'})`}
    if (code === 'ENOENT') throw fail(`identity file ${shown} does not exist`, 'fix `identityFile` in the manifest', error)
    throw fail(`cannot read identity file ${shown} (${code ?? 'unknown error'})`, `make ${shown} readable by this user`, error)
  }

  // ssh2's parse errors describe the format ("Unsupported key format"), never the key itself.
  let parsed = ssh2.utils.parseKey(contents)
  if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
    const publicKey = await publicKeyBeside(file)
    if (publicKey && context.inAgent(publicKey)) return {kind: 'in-agent', publicKey}
    const passphrase = await context.passphrases.passphraseFor(file)
    if (passphrase === undefined) {
      if (context.agentAvailable) return {kind: 'skipped', reason: 'needs a passphrase, and ssh-agent does not hold it'}
      throw fail(`identity file ${shown} is protected by a passphrase, and graduate has none for it`, context.passphrases.howToSupply)
    }
    parsed = ssh2.utils.parseKey(contents, passphrase)
    if (parsed instanceof Error) throw fail(`the passphrase for identity file ${shown} is wrong`, context.passphrases.howToSupply)
  }
  if (parsed instanceof Error) {
    return unusable(`identity file ${shown} is not a private key graduate can read: ${parsed.message}`, 'point `identityFile` at an OpenSSH or PEM private key', `not a key graduate can use: ${parsed.message}`)
  }
  // OpenSSH's format can hold several keys; ssh only ever writes (and uses) the first.
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (key === undefined || !key.isPrivateKey()) {
    return unusable(`identity file ${shown} holds a public key, not a private key`, 'point `identityFile` at the private key (the file without `.pub`)', 'not a private key')
  }
  return {kind: 'key', key}
}

/** The public half from `<file>.pub`, which is how ssh tells which agent key an encrypted file is. */
async function publicKeyBeside(file: string): Promise<Buffer | undefined> {
  try {
    const parsed = ssh2.utils.parseKey(await fs.readFile(`${file}.pub`))
    const key = Array.isArray(parsed) ? parsed[0] : parsed
    return key === undefined || key instanceof Error ? undefined : key.getPublicSSH()
  } catch {
    return undefined
  }
}
