import type {HostSpec} from '../manifest/types.js'
import type {RemoteCommand} from '../remote/send.js'
import {type StreamEnd, streamCommand} from '../remote/stream.js'
import type {HostConnection} from '../ssh/transport.js'
import type {HookEnd, HookIo} from './runner.js'

/**
 * Runs a `run` or `ssh` hook's command on its host through the remote layer, its output as the hook's
 * lines, and says how it ended in the words a hook's verdict uses.
 */
export async function runRemoteHook(
  host: HostSpec,
  command: RemoteCommand,
  connect: (host: HostSpec) => Promise<HostConnection>,
  io: HookIo,
): Promise<HookEnd> {
  return hookEnd(await streamCommand(host, command, connect, {stop: io.stop, timeoutMs: io.timeoutMs, line: io.output}))
}

function hookEnd(end: StreamEnd): HookEnd {
  switch (end.kind) {
    case 'exited':
    case 'killed':
      return end
    case 'dropped':
      return {kind: 'lost', host: end.host}
    case 'stopped-connecting':
      return {kind: 'stopped', how: `it had not started: graduate was still connecting to ${end.host}`}
    case 'stopped-running':
      return {kind: 'stopped', how: `its SSH channel to ${end.host} was closed; the command may still be running there`}
    case 'not-run':
      return {kind: 'failed-to-run', reason: end.reason}
  }
}
