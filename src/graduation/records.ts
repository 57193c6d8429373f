import {z} from 'zod'
import {gateHistory} from '../dokku/commands/gate.js'
import {parseHistory} from '../dokku/parse/gate.js'
import type {DokkuHost} from '../remote/dokku-host.js'

const recordSchema = z.looseObject({
  id: z.string().min(1),
  kind: z.enum(['graduation', 'rollback']).default('graduation'),
  rollbackOf: z.string().optional(),
  env: z.string(),
  fromEnv: z.string(),
  owner: z.string().default('unknown'),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  outcome: z.string(),
  cause: z.string().optional(),
  flipSkewMs: z.number().nullable().default(null),
  apps: z.array(
    z.looseObject({
      app: z.string(),
      host: z.string(),
      targetApp: z.string(),
      from: z.string().nullable(),
      to: z.string(),
      result: z.string(),
      liveRev: z.string().nullable().optional(),
    }),
  ),
})

/** A graduation record as stored by `graduate:record` (record.ts writes it). */
export type StoredRecord = z.infer<typeof recordSchema>

/**
 * Every record of the environment on its hosts, oldest first. A graduation's whole record is stored on
 * each of its target hosts, so one copy per id is kept: a host that missed one still leaves it known. A record that
 * does not parse (written by some other tool, or damaged) is passed to `skipped` and left out.
 */
export async function readRecords(hosts: DokkuHost[], env: string, options: {commandMs: number; skipped?: (host: string, id: string, problem: string) => void}): Promise<StoredRecord[]> {
  const command = gateHistory(env)
  const copies = await Promise.all(hosts.map(async (host) => ({host, records: parseHistory((await host.run(command, {timeoutMs: options.commandMs, readOnly: true})).stdout, command)})))
  const merged = new Map<string, StoredRecord>()
  for (const {host, records} of copies) {
    for (const document of records) {
      const parsed = recordSchema.safeParse(document)
      if (!parsed.success) {
        options.skipped?.(host.label, document.id, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '))
        continue
      }
      if (!merged.has(parsed.data.id)) merged.set(parsed.data.id, parsed.data)
    }
  }
  return [...merged.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id))
}
