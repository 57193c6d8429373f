import ssh2, {type ParsedKey, type SignCallback, type SigningRequestOptions} from 'ssh2'

/** The public keys an ssh-agent holds, or undefined when its socket does not answer (ssh then goes on without it). */
export function listAgentKeys(socketPath: string): Promise<ParsedKey[] | undefined> {
  return new Promise((resolve) => {
    new ssh2.OpenSSHAgent(socketPath).getIdentities((error, keys) => {
      if (error || !keys) resolve(undefined)
      else resolve(keys.filter((key): key is ParsedKey => typeof key === 'object' && 'getPublicSSH' in key))
    })
  })
}

/**
 * An ssh-agent that offers only some of its keys: IdentitiesOnly, where the agent may sign with a key
 * only when an IdentityFile names it (so a full agent cannot exhaust sshd's MaxAuthTries).
 */
export class RestrictedAgent extends ssh2.BaseAgent<ParsedKey> {
  private readonly agent: InstanceType<typeof ssh2.OpenSSHAgent>

  constructor(
    socketPath: string,
    private readonly allowed: Buffer[],
  ) {
    super()
    this.agent = new ssh2.OpenSSHAgent(socketPath)
  }

  getIdentities(callback: (error?: Error | null, keys?: ParsedKey[]) => void): void {
    this.agent.getIdentities((error, keys) => {
      if (error || !keys) return callback(error ?? new Error('ssh-agent listed no keys'))
      callback(
        null,
        keys.filter((key): key is ParsedKey => typeof key === 'object' && 'getPublicSSH' in key && this.allowed.some((blob) => blob.equals(key.getPublicSSH()))),
      )
    })
  }

  sign(key: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, callback?: SignCallback): void {
    if (typeof options === 'function') this.agent.sign(key, data, options)
    else this.agent.sign(key, data, options, callback)
  }
}
