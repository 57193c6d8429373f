import {shellQuote} from '../ssh/shell-words.js'
import type {DokkuCommand} from './command.js'

/*
 * Commands for a root login (or a sudo user's). Unlike the dokku user, whose every SSH command goes
 * through sshcommand's forced command and Dokku's own re-parsing (quote.ts), such a login has an ordinary
 * POSIX shell, and the `dokku` it starts reads its argv as given. So words are quoted for that shell.
 */

export interface RootLogin {
  /** A user other than root runs Dokku through `sudo -n` (never prompting: there is no terminal). */
  sudo: boolean
}

// No `~`: a leading one would expand in the remote shell.
const BARE_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/

/** One word for a POSIX shell: bare when nothing in it is special, single-quoted otherwise. */
export function shellArgument(word: string): string {
  if (word.includes('\0') || word.includes('\n')) throw new RangeError(`a shell argument cannot contain a NUL byte or a newline: ${JSON.stringify(word)}`)
  return BARE_WORD.test(word) ? word : shellQuote(word)
}

/** `[sudo -n] dokku <argv…>`, the line a root shell runs. */
export function renderRootCommand(command: DokkuCommand, login: RootLogin): string {
  return [...(login.sudo ? ['sudo', '-n'] : []), 'dokku', ...(command.globalFlags ?? []), ...command.argv.map(shellArgument)].join(' ')
}
