import {createHmac, randomBytes} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/**
 * Appends a host key to a known_hosts file, as ssh does when it accepts a new key: the name hashed
 * (`|1|salt|HMAC-SHA1`) when asked to or when the file's entries are already hashed, so one new line
 * does not give away a name the file hides.
 */
export async function recordHostKey(file: string, name: string, keyType: string, keyBlob: Buffer, hash: boolean): Promise<void> {
  const existing = await readIfPresent(file)
  const hashed = hash || /^\|1\|/m.test(existing)
  const field = hashed ? hashedName(name) : name
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n'
  await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await fs.appendFile(file, `${separator}${field} ${keyType} ${keyBlob.toString('base64')}\n`, {mode: 0o600})
}

export function hashedName(name: string): string {
  const salt = randomBytes(20)
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

async function readIfPresent(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}
