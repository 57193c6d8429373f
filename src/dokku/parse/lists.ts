import {z} from 'zod'

import type {DokkuCommand} from '../command.js'
import {parseJsonOutput} from './output.js'

export interface PluginEntry {
  readonly name: string
  readonly version: string
  readonly enabled: boolean
  /** Shipped with Dokku rather than installed with plugin:install. */
  readonly core: boolean
}

const pluginListSchema = z.array(
  z
    .looseObject({name: z.string().min(1), version: z.string(), enabled: z.boolean(), core: z.boolean()})
    .transform((plugin): PluginEntry => ({name: plugin.name, version: plugin.version, enabled: plugin.enabled, core: plugin.core})),
)

/** `plugin:list --format json`. */
export function parsePluginList(stdout: string, from: DokkuCommand): PluginEntry[] {
  return parseJsonOutput(stdout, pluginListSchema, from)
}

/** `apps:list --format json` → app names (`[]` on a host without apps). */
export function parseAppsList(stdout: string, from: DokkuCommand): string[] {
  return parseJsonOutput(stdout, z.array(z.string().min(1)), from)
}

/** `config:keys <app>`: one variable name per line, never a value. */
export function parseConfigKeys(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

export interface BuildRecord {
  readonly id: string
  /** `build` for pushes and rebuilds, `deploy` for ps:restart and config redeploys (observed §1). */
  readonly kind: string
  /** `running`, `succeeded`, `failed`, `canceled` or `abandoned`; records of non-push deploys can stay `running` (observed §6). */
  readonly status: string
  /** What started it: `git-hook`, `ps:rebuild`, `ps:restart`, … */
  readonly source: string
  readonly startedAt: string
  readonly finishedAt: string | undefined
  readonly exitCode: number | undefined
}

const buildsListSchema = z.array(
  z
    .looseObject({
      id: z.string().min(1),
      kind: z.string(),
      status: z.string(),
      source: z.string(),
      started_at: z.string(),
      finished_at: z.string().optional(),
      exit_code: z.number().int().optional(),
    })
    .transform(
      (build): BuildRecord => ({
        id: build.id,
        kind: build.kind,
        status: build.status,
        source: build.source,
        startedAt: build.started_at,
        finishedAt: build.finished_at,
        exitCode: build.exit_code,
      }),
    ),
)

/** `builds:list <app> --format json`, newest first as Dokku prints it. */
export function parseBuildsList(stdout: string, from: DokkuCommand): BuildRecord[] {
  return parseJsonOutput(stdout, buildsListSchema, from)
}
