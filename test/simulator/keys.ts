import ssh2 from 'ssh2'

/**
 * A key pair in OpenSSH format. ssh2's generator drops a leading zero byte from the ed25519 public key
 * about once in two hundred keys (`Malformed OpenSSH private key` when parsed back); such a pair is
 * thrown away and another generated, so tests never flake on it.
 */
export function generateKeyPair(type: 'ed25519' | 'rsa' = 'ed25519'): {private: string; public: string} {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = type === 'rsa' ? ssh2.utils.generateKeyPairSync('rsa', {bits: 2048}) : ssh2.utils.generateKeyPairSync('ed25519')
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair
  }
  throw new Error(`could not generate a well-formed ${type} key pair`)
}
