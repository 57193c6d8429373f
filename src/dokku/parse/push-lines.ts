import {StringDecoder} from 'node:string_decoder'
import {stripVTControlCharacters} from 'node:util'

/** One line of `git push` output, cleaned for reading and matching. */
export interface PushLine {
  /** The line without git's `remote: ` prefix and padding, colour codes or trailing blanks. */
  readonly text: string
  /** Printed by the Dokku host (git's `remote: ` prefix), as opposed to by the local git client. */
  readonly remote: boolean
}

const REMOTE_PREFIX = 'remote: '

/*
 * How git relays the host's output (see the push-*.txt fixtures): each piece the host ends with \n or
 * \r is printed as `remote: <piece><padding>` followed by that same \n or \r, where the padding is eight
 * blanks (or ANSI erase-line on a terminal). Docker's progress therefore arrives as
 * `remote: Sending build context …kB        \rremote: \rremote: \n`. Dokku colours some warnings and
 * starts some lines with cursor controls (`\e[1G\e[K-----> …`).
 */
function cleanPiece(piece: string): PushLine {
  const remote = piece.startsWith(REMOTE_PREFIX) || piece === REMOTE_PREFIX.trimEnd()
  const body = remote ? piece.slice(REMOTE_PREFIX.length) : piece
  return {text: stripVTControlCharacters(body).trimEnd(), remote}
}

/** A \n-terminated line as the lines it contains: a progress line rewritten with \r yields each state once. */
function linesOf(rawLine: string): PushLine[] {
  const pieces = rawLine.split('\r').map(cleanPiece)
  const written = pieces.filter((piece) => piece.text !== '')
  if (written.length > 0) return written
  // A genuinely blank line stays one blank line; its source is that of its first piece.
  return [pieces[0]!]
}

/**
 * Turns the chunks of git's stderr, as they arrive, into clean lines. A line is emitted once its \n has
 * arrived; `end()` emits whatever is left when the stream closes.
 */
export class PushLineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''

  write(chunk: string | Buffer): PushLine[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    const rawLines = this.pending.split('\n')
    this.pending = rawLines.pop()!
    return rawLines.flatMap(linesOf)
  }

  end(): PushLine[] {
    const rest = this.pending + this.decoder.end()
    this.pending = ''
    return rest === '' ? [] : linesOf(rest)
  }
}

/** All clean lines of a complete `git push` output. */
export function splitPushOutput(output: string): PushLine[] {
  const splitter = new PushLineSplitter()
  return [...splitter.write(output), ...splitter.end()]
}
