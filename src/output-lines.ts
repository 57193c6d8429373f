/**
 * Turns a hook's text stream into whole lines, so output shown under a hook's label never carries half
 * a line and stdout and stderr never interleave inside one. A CRLF ending counts as a line end.
 */
export class OutputLines {
  private pending = ''

  /**
   * @param maxLineLength a hook that prints without newlines (a progress bar, a binary dump) is shown in
   *   pieces of this size instead of growing one line without bound
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineLength = 64 * 1024,
  ) {}

  write(chunk: string): void {
    this.pending += chunk
    let start = 0
    for (let end = this.pending.indexOf('\n'); end !== -1; end = this.pending.indexOf('\n', start)) {
      this.onLine(withoutCarriageReturn(this.pending.slice(start, end)))
      start = end + 1
    }
    this.pending = this.pending.slice(start)
    while (this.pending.length >= this.maxLineLength) {
      const cut = pieceEnd(this.pending, this.maxLineLength)
      this.onLine(this.pending.slice(0, cut))
      this.pending = this.pending.slice(cut)
    }
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    if (this.pending !== '') this.onLine(withoutCarriageReturn(this.pending))
    this.pending = ''
  }
}

/** Where to cut a piece of `length` code units without splitting a character made of a surrogate pair. */
function pieceEnd(text: string, length: number): number {
  const last = text.charCodeAt(length - 1)
  return last >= 0xd800 && last <= 0xdbff && length > 1 ? length - 1 : length
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}
