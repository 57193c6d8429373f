import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const FIXTURES = fileURLToPath(new URL('../../fixtures/dokku/', import.meta.url))

/** A fixture copied from the real Dokku 0.38.27 host (dokku-observed.md), byte for byte. */
export function readFixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8')
}

/**
 * A captured `git push` transcript without the observer's own trailing notes (`rc=1 end=…`,
 * `[rc=1 dur=…]`, `time` output), which git did not print.
 */
export function readPushTranscript(name: string): string {
  const lines = readFixture(name).split('\n')
  while (lines.length > 0 && /^(?:rc=\d|\[rc=\d|real\t|user\t|sys\t|$)/.test(lines.at(-1)!)) lines.pop()
  return `${lines.join('\n')}\n`
}
