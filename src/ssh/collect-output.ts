import {StringDecoder} from 'node:string_decoder'

/**
 * Gathers a byte stream for the final result while handing text to a live listener; the decoder keeps a
 * UTF-8 character that straddles two chunks whole.
 */
export function collectOutput(stream: NodeJS.ReadableStream, listener: ((chunk: string) => void) | undefined): () => string {
  const chunks: Buffer[] = []
  const decoder = new StringDecoder('utf8')
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    const text = listener ? decoder.write(chunk) : ''
    if (listener && text) listener(text)
  })
  stream.once('end', () => {
    const rest = listener ? decoder.end() : ''
    if (listener && rest) listener(rest)
  })
  return () => Buffer.concat(chunks).toString('utf8')
}
