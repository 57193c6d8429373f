import fs from 'node:fs'
import {currentSession} from '../session.js'
import path from 'node:path'
import crypto from 'node:crypto'

/** Write a file atomically (temp file in the same directory + rename), creating parents. */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const temp = `${file}.${currentSession().pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(temp, content)
  fs.renameSync(temp, file)
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`)
}

export function readJson<T>(file: string): T | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return JSON.parse(text) as T
}

export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** A `key=value` file's lines (Dokku's property files, the gate's state files) as a record. */
export function parseKeyValues(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const separator = line.indexOf('=')
    if (separator > 0) values[line.slice(0, separator)] = line.slice(separator + 1)
  }
  return values
}

export function exists(file: string): boolean {
  return fs.existsSync(file)
}

export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** Append one line; small appends to a regular file opened O_APPEND land whole. */
export function appendLine(file: string, line: string): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.appendFileSync(file, `${line}\n`)
}

export function randomHex(bytes: number): string {
  return crypto.randomBytes(bytes).toString('hex')
}
