import type {HostPaths} from '../host/paths.js'
import type {Output} from './io.js'

/** What a core command runs with: the host, its output, and Dokku's environment as the entry script exported it. */
export interface CoreContext {
  paths: HostPaths
  out: Output
  env: NodeJS.ProcessEnv
  /** The SSH login: `root` may run plugin:* commands. */
  login: 'dokku' | 'root'
  stdin: NodeJS.ReadableStream
  quiet: boolean
}

export type CoreCommand = (ctx: CoreContext, args: string[]) => Promise<number> | number
