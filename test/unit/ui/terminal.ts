import {Writable} from 'node:stream'
import {stripVTControlCharacters} from 'node:util'

const CURSOR_SHOW = '\u001b[?25h'

/** A terminal for listr to draw on: records every write; a drawing ends with its last frame, then the cursor shown again. */
export class FakeTerminal extends Writable {
  readonly chunks: string[] = []
  readonly isTTY = true
  readonly columns = 100
  readonly rows = 200

  get stream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString())
    callback()
  }

  /** The final frame of each finished drawing, in order, without colour. */
  finalFrames(): string[] {
    return this.chunks.flatMap((chunk, index) => (chunk === CURSOR_SHOW && index > 0 ? [stripVTControlCharacters(this.chunks[index - 1]!)] : []))
  }
}

/**
 * listr wraps its lines at process.stdout's width (80 when it has none); pin it so the frames do not
 * depend on the terminal the tests run in.
 */
export function pinStdoutColumns(columns: number): () => void {
  const original = Object.getOwnPropertyDescriptor(process.stdout, 'columns')
  Object.defineProperty(process.stdout, 'columns', {value: columns, configurable: true, writable: true})
  return () => {
    if (original) Object.defineProperty(process.stdout, 'columns', original)
    else delete (process.stdout as {columns?: number}).columns
  }
}
