import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {defaultPassphraseSource, passphraseEnv} from '../../../src/ssh/passphrases.js'

/** A terminal whose keystrokes the test types, recording what graduate writes to it. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), {isTTY: true, isRaw: false, setRawMode(mode: boolean) {
    input.isRaw = mode
    return input
  }})
  const written: string[] = []
  const output = Object.assign(new PassThrough(), {isTTY: true})
  output.on('data', (chunk: Buffer) => written.push(chunk.toString()))
  return {input: input as unknown as NodeJS.ReadStream, output: output as unknown as NodeJS.WriteStream, written, type: (text: string) => input.write(text)}
}

describe('passphrases for encrypted identity files', () => {
  it(`takes ${passphraseEnv} for every key without asking`, async () => {
    const terminal = fakeTerminal()
    const source = defaultPassphraseSource({[passphraseEnv]: 'from ci'}, terminal)
    expect(await source.passphraseFor('/home/me/.ssh/id_ed25519')).toBe('from ci')
    expect(terminal.written).toEqual([])
  })

  it('has none to give without the variable or a terminal, and says how to supply one', async () => {
    const source = defaultPassphraseSource({}, undefined)
    expect(await source.passphraseFor('/home/me/.ssh/id_ed25519')).toBeUndefined()
    expect(source.howToSupply).toContain(passphraseEnv)
  })

  it('asks once per key file on a terminal, without echoing what is typed, one prompt at a time', async () => {
    const terminal = fakeTerminal()
    const source = defaultPassphraseSource({}, terminal)
    const first = source.passphraseFor('/keys/a')
    const again = source.passphraseFor('/keys/a')
    const second = source.passphraseFor('/keys/b')
    await waitFor(() => terminal.written.join('').includes("'/keys/a'"))
    // The second key's prompt waits until the first is answered.
    expect(terminal.written.join('')).not.toContain("'/keys/b'")
    terminal.type('secret a\x7fA\r')
    expect(await first).toBe('secret A')
    expect(await again).toBe('secret A')
    await waitFor(() => terminal.written.join('').includes("'/keys/b'"))
    terminal.type('bee\n')
    expect(await second).toBe('bee')
    expect(terminal.written.join('')).toBe("Enter passphrase for key '/keys/a': \nEnter passphrase for key '/keys/b': \n")
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the prompt')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
