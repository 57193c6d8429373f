import {displayPath} from './display-path.js'

/** The environment variable CI sets to unlock encrypted identity files. */
export const passphraseEnv = 'GRADUATE_SSH_PASSPHRASE'

/** Where the passphrase of an encrypted identity file comes from. Passphrases are never logged or put in errors. */
export interface PassphraseSource {
  /** The passphrase for `file`, or undefined when there is no way to get one. */
  passphraseFor(file: string): Promise<string | undefined>
  /** How a person would supply one, for an error's hint. */
  readonly howToSupply: string
}

interface PromptTerminal {
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
}

/**
 * GRADUATE_SSH_PASSPHRASE when set; otherwise, on a terminal, a hidden prompt once per key file —
 * prompts wait for each other, so hosts connecting in parallel ask one at a time.
 */
export function defaultPassphraseSource(
  env: NodeJS.ProcessEnv = process.env,
  terminal: PromptTerminal | undefined = process.stdin.isTTY && process.stderr.isTTY ? {input: process.stdin, output: process.stderr} : undefined,
): PassphraseSource {
  const fromEnv = env[passphraseEnv]
  if (fromEnv !== undefined && fromEnv !== '') {
    return {passphraseFor: async () => fromEnv, howToSupply: `check ${passphraseEnv}`}
  }
  if (!terminal) {
    return {passphraseFor: async () => undefined, howToSupply: `set ${passphraseEnv}, run graduate on a terminal to be asked, or load the key into ssh-agent (\`ssh-add\`)`}
  }
  const asked = new Map<string, Promise<string>>()
  let queue: Promise<unknown> = Promise.resolve()
  return {
    passphraseFor(file) {
      let answer = asked.get(file)
      if (!answer) {
        answer = queue.then(() => promptHidden(terminal, `Enter passphrase for key '${displayPath(file)}': `))
        queue = answer.catch(() => {})
        asked.set(file, answer)
      }
      return answer
    },
    howToSupply: `type the right passphrase, set ${passphraseEnv}, or load the key into ssh-agent (\`ssh-add\`)`,
  }
}

/** Reads one line without echoing it; Ctrl-C or end of input gives up. */
export function promptHidden({input, output}: PromptTerminal, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question)
    const wasRaw = input.isRaw
    input.setRawMode?.(true)
    input.resume()
    let typed = ''
    const finish = (outcome: () => void) => {
      input.off('data', onData)
      input.setRawMode?.(wasRaw)
      input.pause()
      output.write('\n')
      outcome()
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed))
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new Error('passphrase prompt cancelled')))
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1)
        else typed += char
      }
    }
    input.on('data', onData)
  })
}
