import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** `$XDG_STATE_HOME/graduate` (default `~/.local/state/graduate`): where graduate keeps what it did. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state'), 'graduate')
}

/** `$XDG_CACHE_HOME/graduate` (default `~/.cache/graduate`): git objects fetched from sources. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'graduate')
}

export interface JournalEntry {
  ts: string
  id: string
  /** What is about to happen, or what just did. */
  step: string
  [detail: string]: unknown
}

/**
 * The local journal of one graduation: each phase transition is appended (and flushed) before it is
 * acted on, so after a crash it says how far the run got. One NDJSON file per graduation id.
 * It never holds config values or keys: only ids, names, hosts and revisions.
 */
export class Journal {
  readonly file: string

  constructor(
    readonly id: string,
    dir: string = path.join(stateDir(), 'journal'),
  ) {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    this.file = path.join(dir, `${id}.ndjson`)
  }

  write(step: string, details: Record<string, unknown> = {}): void {
    const entry: JournalEntry = {ts: new Date().toISOString(), id: this.id, step, ...details}
    const fd = fs.openSync(this.file, 'a', 0o600)
    try {
      fs.writeSync(fd, `${JSON.stringify(entry)}\n`)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
}
