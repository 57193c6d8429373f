import type {HookPhase, HostSpec, ResolvedHook} from '../manifest/types.js'
import type {HostConnection} from '../ssh/transport.js'

/** One app as hooks see it (GRADUATE_CONTEXT): where it comes from, where it goes, old and new revision. */
export interface HookAppContext {
  /** Manifest name. */
  app: string
  source: {host: string; app: string; rev: string}
  target: {host: string; app: string; from: string | null; to: string}
  action: 'deploy' | 'skip'
}

export interface HookContext {
  id: string
  from: string
  to: string
  phase: HookPhase
  /** For `released` and `aborted` hooks: how the graduation ended. */
  outcome?: 'released' | 'aborted'
  apps: HookAppContext[]
}

/** How one hook ended, for the graduation's summary. */
export interface HookSummary {
  phase: HookPhase
  label: string
  result: 'ok' | 'failed' | 'timeout' | 'skipped'
  exitCode: number | null
  durationMs: number
}

/** What running hooks tells the world; the graduation's events include these (graduation/events.ts). */
export type HookEvent =
  | {type: 'hook'; phase: HookPhase; label: string; state: 'start' | 'ok' | 'failed' | 'timeout'; exitCode?: number | null; durationMs?: number; message?: string}
  | {type: 'hook-output'; phase: HookPhase; label: string; stream: 'stdout' | 'stderr'; line: string}

export interface HookRunOptions {
  /** The SSH connection for a host: the target's `dokku` connection for `run` hooks, the hook's own login for `ssh` hooks. */
  connect(host: HostSpec): Promise<HostConnection>
  emit(body: HookEvent): void
  /** Aborting kills a running hook (its whole process group, or its remote channel). */
  signal?: AbortSignal
  /** A private directory for the GRADUATE_CONTEXT file. */
  workDir: string
  /** The environment local hooks start from (default process.env). */
  env?: NodeJS.ProcessEnv
}

export interface HookPhaseResult {
  ok: boolean
  hooks: HookSummary[]
  /** The hook that failed or timed out; the hooks after it in the phase did not run. */
  failed?: HookSummary
  /** With `failed`: one line naming the hook and what went wrong (its `hook` event's message), for the summary's cause. */
  cause?: string
}

export type RunHookPhase = (hooks: ResolvedHook[], context: HookContext, options: HookRunOptions) => Promise<HookPhaseResult>
