import {mkdtemp, realpath, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {GraduationEventBody} from '../../../src/graduation/events.js'
import type {HookContext} from '../../../src/hooks/types.js'
import type {HookAction, HookPhase, HostSpec, ResolvedHook} from '../../../src/manifest/types.js'

export const GRADUATION_ID = '20261123T101500Z-3f9a'

export const prodHost: HostSpec = {user: 'dokku', host: 'prod-1.example.com', display: 'dokku@prod-1.example.com:22'}
export const dbHost: HostSpec = {user: 'ops', host: 'db.example.com', display: 'ops@db.example.com:22'}

const OLD = 'b'.repeat(40)
const NEW = 'a'.repeat(40)

/** staging → production with api and web deployed and docs unchanged (skipped). */
export function contextFor(phase: HookPhase, outcome?: HookContext['outcome']): HookContext {
  const app = (name: string, action: 'deploy' | 'skip') => ({
    app: name,
    source: {host: 'dokku@staging.example.com:22', app: `${name}-staging`, rev: NEW},
    target: {host: prodHost.display, app: name, from: action === 'skip' ? NEW : OLD, to: NEW},
    action,
  })
  return {
    id: GRADUATION_ID,
    from: 'staging',
    to: 'production',
    phase,
    ...(outcome === undefined ? {} : {outcome}),
    apps: [app('api', 'deploy'), app('docs', 'skip'), app('web', 'deploy')],
  }
}

export function hook(label: string, action: HookAction, options: {phase?: HookPhase; timeoutMs?: number} = {}): ResolvedHook {
  return {label, phase: options.phase ?? 'post', timeoutMs: options.timeoutMs ?? 30_000, action}
}

export type HookEvent = Extract<GraduationEventBody, {type: 'hook'}>
type OutputEvent = Extract<GraduationEventBody, {type: 'hook-output'}>

/** Collects what the runner emits and lets a test wait for a particular event. */
export class EventLog {
  readonly events: GraduationEventBody[] = []
  private readonly watchers: Array<{matches: (event: GraduationEventBody) => boolean; resolve: (event: GraduationEventBody) => void}> = []

  readonly emit = (event: GraduationEventBody): void => {
    this.events.push(event)
    for (const watcher of [...this.watchers]) {
      if (!watcher.matches(event)) continue
      this.watchers.splice(this.watchers.indexOf(watcher), 1)
      watcher.resolve(event)
    }
  }

  hookEvents(): HookEvent[] {
    return this.events.filter((event): event is HookEvent => event.type === 'hook')
  }

  lines(label: string, stream?: 'stdout' | 'stderr'): string[] {
    return this.events
      .filter((event): event is OutputEvent => event.type === 'hook-output' && event.label === label && (stream === undefined || event.stream === stream))
      .map((event) => event.line)
  }

  /** Resolves with the first output line of `label` matching `pattern`, already emitted or still to come. */
  line(label: string, pattern: RegExp): Promise<string> {
    const matches = (event: GraduationEventBody) => event.type === 'hook-output' && event.label === label && pattern.test(event.line)
    const seen = this.events.find(matches)
    const found = seen === undefined ? new Promise<GraduationEventBody>((resolve) => this.watchers.push({matches, resolve})) : Promise.resolve(seen)
    return found.then((event) => (event as OutputEvent).line)
  }
}

export async function makeWorkDir(): Promise<{dir: string; remove: () => Promise<void>}> {
  // realpath: on some systems the temp directory is a symlink, and `pwd` in a hook prints the real path.
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'graduate-hooks-')))
  return {dir, remove: () => rm(dir, {recursive: true, force: true})}
}
