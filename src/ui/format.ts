import {stripVTControlCharacters} from 'node:util'

/** `84 ms`, `41.2s`, `2m 05s`, `1h 02m`: short enough for a table cell, exact enough to compare runs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const totalSeconds = Math.round(ms / 1000)
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${pad2(totalSeconds % 60)}s`
  const totalMinutes = Math.round(totalSeconds / 60)
  return `${Math.floor(totalMinutes / 60)}h ${pad2(totalMinutes % 60)}m`
}

/** Time since the graduation started, for log lines: `+12.3s`. */
export function formatOffset(ms: number): string {
  return `+${(Math.max(0, ms) / 1000).toFixed(1)}s`
}

/** The wall-clock time of an ISO timestamp, in UTC to the millisecond (`10:15:38.112`), or `?` if unreadable. */
export function formatClock(iso: string): string {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? '?' : new Date(time).toISOString().slice(11, 23)
}

/**
 * A revision as people quote it: a git sha or an image digest cut to 7 hex digits, an image pinned by
 * digest as its repository's name and that; anything else (an image tag, say) kept, but no longer
 * than a table cell allows.
 */
export function shortRevision(rev: string): string {
  const digest = /^(sha256:)?([0-9a-f]{7,})$/i.exec(rev)
  if (digest) return `${digest[1] ?? ''}${digest[2]!.slice(0, 7)}`
  // registry.example.com/team/api@sha256:<64 hex> → api@sha256:1a2b3c4: the repository's own name and the digest's start.
  const pinned = /^(?:.*\/)?([^/@]+)@sha256:([0-9a-f]{7})[0-9a-f]*$/i.exec(rev)
  if (pinned) return `${pinned[1]!.slice(0, 16)}@sha256:${pinned[2]}`
  return rev.length > 24 ? `${rev.slice(0, 23)}…` : rev
}

/**
 * A line that came from a remote host or a hook, made safe to print: colour and cursor sequences and other
 * control characters removed (they could redraw the terminal), tabs as spaces, trailing blanks dropped
 * (Dokku pads its lines).
 */
export function cleanLine(line: string): string {
  return stripVTControlCharacters(line)
    .replace(/\t/g, '  ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trimEnd()
}

/**
 * Breaks text into lines of at most `width` characters, at the last space that fits; a word longer than a
 * line is cut. `indent` starts every line after the first. Text that fits is returned untouched.
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const lines: string[] = []
  let rest = text
  const room = () => (lines.length === 0 ? width : width - indent.length)
  while (rest.length > room()) {
    let cut = rest.lastIndexOf(' ', room())
    if (cut <= 0 || rest.slice(0, cut).trim() === '') cut = room()
    lines.push((lines.length === 0 ? '' : indent) + rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
  }
  if (rest !== '' || lines.length === 0) lines.push((lines.length === 0 ? '' : indent) + rest)
  return lines
}

function pad2(value: number): string {
  return String(value).padStart(2, '0')
}
