import os from 'node:os'
import path from 'node:path'

/** A path as a person would type it in a hint: `~/.ssh/known_hosts` rather than `/home/me/.ssh/known_hosts`. */
export function displayPath(file: string, homeDir: string = os.homedir()): string {
  const relative = path.relative(homeDir, file)
  if (relative === '') return '~'
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file
  return `~/${relative}`
}
