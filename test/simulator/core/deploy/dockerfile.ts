import path from 'node:path'
import {readText} from '../store/files.js'

/**
 * The base image of a Dockerfile that only names one — `FROM <image>` followed by nothing but LABEL
 * instructions, as `git:from-image` writes it — or undefined for any other Dockerfile (or none).
 * Building such a Dockerfile gives the base image's file system unchanged, which is how the simulated
 * build treats it; any other Dockerfile builds the checkout's own tree.
 */
export function imageOnlyBase(dir: string): string | undefined {
  const text = readText(path.join(dir, 'Dockerfile'))
  if (text === undefined) return undefined
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const [first, ...rest] = instructions
  const from = first === undefined ? undefined : /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+\S+)?$/i.exec(first)
  if (!from || !rest.every((line) => /^LABEL\s/i.test(line))) return undefined
  return from[1]
}
