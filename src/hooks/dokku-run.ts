import type {DokkuCommand} from '../dokku/command.js'
import {run} from '../dokku/commands/core.js'
import {displayCommand, renderCommand} from '../dokku/quote.js'
import {UnsafeArgumentError} from '../errors.js'
import type {AppLocation, HostSpec} from '../manifest/types.js'
import type {HostConnection} from '../ssh/transport.js'
import {runRemoteHook} from './remote.js'
import type {HookEnd, HookIo} from './runner.js'

/**
 * The Dokku command of a `run` hook: a one-off container of the target app's current image and config
 * (while apps are held, the NEW ones), running `/bin/sh -c <command>` with the scalar GRADUATE_*
 * variables.
 */
export function dokkuRunHookCommand(action: {target: AppLocation; command: string}, variables: Record<string, string>, timeoutMs?: number): DokkuCommand {
  return run(action.target.app, action.command, {env: variables, ...(timeoutMs === undefined ? {} : {ttlSeconds: timeoutMs / 1000})})
}

/**
 * Runs a `run` hook over the target host's dokku connection. A command Dokku's SSH parsing would change
 * is refused before anything is sent.
 */
export async function runDokkuRunHook(
  action: {target: AppLocation; command: string},
  variables: Record<string, string>,
  connect: (host: HostSpec) => Promise<HostConnection>,
  io: HookIo,
): Promise<HookEnd> {
  // The container's own time-to-live is the hook's timeout, so one that timed out does not linger for a day.
  const command = dokkuRunHookCommand(action, variables, io.timeoutMs)
  let wire: string
  try {
    wire = renderCommand(command)
  } catch (error) {
    if (!(error instanceof UnsafeArgumentError)) throw error
    // The reason, not the message: the message quotes the whole command back.
    return {kind: 'failed-to-run', reason: `its command cannot be sent through Dokku: ${error.reason}. To fix it: ${error.hint}`}
  }
  return runRemoteHook(action.target.host, {wire, display: displayCommand(command)}, connect, io)
}
