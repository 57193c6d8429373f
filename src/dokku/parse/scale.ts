import {z} from 'zod'

import type {DokkuCommand} from '../command.js'
import {parseJsonOutput} from './output.js'

/*
 * How many containers of each process type a deploy starts, and how many of them Dokku starts (and
 * health-checks) at once: `ps:scale <app> --format json` (plugins/ps, scaleReport) and app.json's
 * `formation.<type>.max_parallel` (plugins/app-json, default 1).
 */

const scaleSchema = z.array(z.looseObject({process_type: z.string().min(1), quantity: z.number().int().nonnegative()}))

/** `ps:scale <app> --format json` → quantity by process type (`{}` when no scale was ever set). */
export function parseProcessScale(stdout: string, from: DokkuCommand): Record<string, number> {
  return Object.fromEntries(parseJsonOutput(stdout, scaleSchema, from).map((entry) => [entry.process_type, entry.quantity]))
}

/**
 * app.json's `formation.<type>.max_parallel` for each type that sets a positive one. An app.json Dokku
 * could not read sets none (Dokku then starts one container at a time).
 */
export function maxParallelByType(appJson: string | undefined): Record<string, number> {
  if (appJson === undefined) return {}
  let document: unknown
  try {
    document = JSON.parse(appJson)
  } catch {
    return {}
  }
  const formation = (document as {formation?: unknown} | null)?.formation
  if (typeof formation !== 'object' || formation === null || Array.isArray(formation)) return {}
  const result: Record<string, number> = {}
  for (const [type, entry] of Object.entries(formation)) {
    const value = (entry as {max_parallel?: unknown} | null)?.max_parallel
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) result[type] = value
  }
  return result
}
