import {shellLine} from '../remote/words.js'
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

/** `[sudo -n] dokku <argv…>`, the line a root shell runs. */
export function renderRootCommand(command: DokkuCommand, login: RootLogin): string {
  return shellLine([...(login.sudo ? ['sudo', '-n'] : []), 'dokku', ...(command.globalFlags ?? []), ...command.argv])
}
