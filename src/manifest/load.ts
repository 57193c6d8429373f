import {open} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {ManifestError, UsageError, type ManifestIssue} from '../errors.js'
import {assembleManifest, type ManifestFile} from './assemble.js'
import {ManifestDocument} from './document.js'
import {interpolate} from './interpolate.js'
import {formatPath, sortIssues, type PathIssue} from './issues.js'
import {checkReferences} from './references.js'
import {manifestSchema} from './schema.js'
import type {Manifest} from './types.js'
import {fromZodIssues} from './zod-issues.js'

/**
 * The largest manifest graduate reads: a real one names environments, apps and hooks in a few
 * kilobytes, while YAML parsing costs far more memory than the text (a 66 MB file took 2.3 GB and 40 s),
 * so anything bigger is refused before it is parsed.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024

export interface LoadManifestOptions {
  /** Where `${VAR}` values come from; default process.env. */
  env?: NodeJS.ProcessEnv
  /** How messages name the file; default the path as given. */
  displayPath?: string
}

/**
 * Reads, parses, interpolates and validates a manifest. Every problem in the file is reported at
 * once, as one ManifestError whose issues name file, line, column and path.
 */
export async function loadManifest(path: string, options: LoadManifestOptions = {}): Promise<Manifest> {
  const displayPath = options.displayPath ?? path
  const text = await readManifestText(path, displayPath)
  const absolutePath = resolve(path)
  return parseManifest(text, {
    file: {path: absolutePath, displayPath, directory: dirname(absolutePath)},
    env: options.env ?? process.env,
  })
}

function parseManifest(text: string, context: {file: ManifestFile; env: NodeJS.ProcessEnv}): Manifest {
  const {file} = context
  const document = ManifestDocument.parse(text)
  const wholeFileProblem = (message: string) => new ManifestError([{file: file.displayPath, line: 1, column: 1, path: '', message}])
  const place = (issue: PathIssue): ManifestIssue => ({
    file: file.displayPath,
    ...document.locate(issue),
    path: formatPath(issue.path),
    message: issue.message,
  })

  const syntaxProblems = document.syntaxProblems()
  if (syntaxProblems.length > 0) {
    throw new ManifestError(sortIssues(syntaxProblems.map((problem) => ({file: file.displayPath, path: '', ...problem}))))
  }
  let raw: unknown
  try {
    raw = document.toValue()
  } catch (error) {
    // The yaml package refuses documents whose aliases expand without bound.
    throw wholeFileProblem(`invalid YAML: ${(error as Error).message}`)
  }
  if (raw === null || raw === undefined) {
    throw wholeFileProblem('the manifest is empty; expected environments and apps (graduate init writes a starting point)')
  }

  const interpolated = interpolate(raw, context.env)
  const unresolved = new Set(interpolated.issues.map((issue) => formatPath(issue.path)))
  // A value with an unset variable is reported once, as unset, not again as malformed.
  const stillRelevant = (issue: PathIssue) => !unresolved.has(formatPath(issue.path))

  const parsed = manifestSchema.safeParse(interpolated.value)
  const issues: PathIssue[] = [
    ...interpolated.issues,
    ...(parsed.success ? [] : fromZodIssues(parsed.error.issues, manifestSchema).filter(stillRelevant)),
    ...checkReferences(interpolated.value).filter(stillRelevant),
  ]
  const duplicates = [...document.duplicateKeys(), ...document.retypedKeys()].map(({path, ...rest}) => ({file: file.displayPath, path: formatPath(path), ...rest}))
  if (issues.length === 0 && duplicates.length === 0 && parsed.success) {
    const assembled = assembleManifest(parsed.data, file)
    if (assembled.issues.length === 0) return assembled.manifest
    issues.push(...assembled.issues)
  }
  throw new ManifestError(sortIssues([...duplicates, ...issues.map(place)]))
}

async function readManifestText(path: string, displayPath: string): Promise<string> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw unreadable(error, displayPath)
  }
  try {
    const {size} = await handle.stat()
    if (size > MAX_MANIFEST_BYTES) throw tooBig(displayPath, size)
    // A pipe or a file still being written says nothing true in its size: read one byte past the limit at most.
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const {bytesRead} = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_MANIFEST_BYTES) throw tooBig(displayPath, undefined)
    return buffer.subarray(0, length).toString('utf8')
  } catch (error) {
    if (error instanceof ManifestError) throw error
    throw unreadable(error, displayPath)
  } finally {
    await handle.close()
  }
}

function unreadable(error: unknown, displayPath: string): UsageError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error)
  const reason = UNREADABLE_REASONS[code] ?? `cannot be read (${code})`
  return new UsageError(`manifest ${displayPath} ${reason}`, 'create one with `graduate init`, or pass -m <file>')
}

function tooBig(displayPath: string, size: number | undefined): ManifestError {
  const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  return new ManifestError(
    [{file: displayPath, line: 1, column: 1, path: '', message: `the file is ${size === undefined ? 'larger than 1 MB' : megabytes(size)}; graduate reads manifests of at most 1 MB (${MAX_MANIFEST_BYTES} bytes), so it was not parsed`}],
    'a manifest names environments, apps and hooks in a few kilobytes: check that -m names the right file, and move long hook scripts into files beside it (local: ./migrate.sh)',
  )
}

const UNREADABLE_REASONS: Partial<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory',
  EACCES: 'cannot be read (permission denied)',
}
