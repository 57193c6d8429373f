import {readFile} from 'node:fs/promises'
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
  const duplicates = document.duplicateKeys().map(({path, ...rest}) => ({file: file.displayPath, path: formatPath(path), ...rest}))
  if (issues.length === 0 && duplicates.length === 0 && parsed.success) {
    const assembled = assembleManifest(parsed.data, file)
    if (assembled.issues.length === 0) return assembled.manifest
    issues.push(...assembled.issues)
  }
  throw new ManifestError(sortIssues([...duplicates, ...issues.map(place)]))
}

async function readManifestText(path: string, displayPath: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    const reason = UNREADABLE_REASONS[code] ?? `cannot be read (${code})`
    throw new UsageError(`manifest ${displayPath} ${reason}`, 'create one with `graduate init`, or pass -m <file>')
  }
}

const UNREADABLE_REASONS: Partial<Record<string, string>> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory',
  EACCES: 'cannot be read (permission denied)',
}
