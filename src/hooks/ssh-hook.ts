import os from 'node:os'
import type {HostSpec} from '../manifest/types.js'
import {alwaysQuoted, shellLine} from '../remote/words.js'
import type {HostConnection} from '../ssh/transport.js'
import {runRemoteHook} from './remote.js'
import type {HookEnd, HookIo} from './runner.js'

/**
 * The string an `ssh` hook sends: `env GRADUATE_…=… /bin/sh -c '<command>'`. sshd hands it to the
 * login's shell, which only has to remove single quotes (the same in sh, bash and zsh; fish reads a
 * backslash inside single quotes as an escape, so a fish login changes commands containing `\\`); the
 * command itself then runs under /bin/sh like local and `run` hooks, whatever the login shell is. SSH's
 * own environment passing is not used: sshd drops variables it does not `AcceptEnv`.
 */
export function sshHookCommand(command: string, variables: Record<string, string>): string {
  const assignments = Object.entries(variables).map(([name, value]) => alwaysQuoted(`${name}=${value}`))
  return shellLine(['env', ...assignments, '/bin/sh', '-c', alwaysQuoted(command)])
}

/**
 * Runs an `ssh` hook: a plain shell command on the hook's host, as the hook's login (not through Dokku).
 * Without a user in the manifest it logs in as the local user, as `ssh host` does — not as `dokku`,
 * whose forced command would take the hook for a Dokku command.
 */
export function runSshHook(
  action: {host: HostSpec; command: string},
  variables: Record<string, string>,
  connect: (host: HostSpec) => Promise<HostConnection>,
  io: HookIo,
): Promise<HookEnd> {
  const host = action.host.user === undefined ? {...action.host, user: localUser()} : action.host
  const line = sshHookCommand(action.command, variables)
  return runRemoteHook(host, {wire: line, display: line}, connect, io)
}

function localUser(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env['USER'] ?? 'root'
  }
}
