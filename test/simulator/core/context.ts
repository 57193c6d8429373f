import type {HostPaths} from '../host/paths.js'
import type {Output} from './io.js'
import type {CommandSession} from './session.js'

/** What a core command runs with: the host, its output, and Dokku's environment as the entry script exported it.
 * Core code never reads process.env or process.cwd(): one simulator process serves every command of every host. */
export interface CoreContext {
  paths: HostPaths
  out: Output
  env: NodeJS.ProcessEnv
  /** The SSH login: `root` may run plugin:* commands. */
  login: 'dokku' | 'root'
  stdin: NodeJS.ReadableStream
  quiet: boolean
  /** The working directory the command was started in (the client's). */
  cwd: string
  /** The command itself: hangup flag, children, what a kill releases (core/session.ts). */
  session: CommandSession
}

export type CoreCommand = (ctx: CoreContext, args: string[]) => Promise<number> | number
