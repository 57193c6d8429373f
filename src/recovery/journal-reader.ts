import fs from 'node:fs'
import path from 'node:path'
import {type JournalEntry, stateDir} from '../graduation/journal.js'

/** A graduation as this machine's journal remembers it, when it ran here. */
export interface JournalView {
  id: string
  from?: string
  to?: string
  /** When the graduation started (ISO time). */
  startedAt?: string
  lastStep: JournalEntry
  decision?: 'release' | 'abort'
  /** Planned apps with their old and new revision, by manifest name. */
  planned: Map<string, {host: string; targetApp: string; from: string | null; to: string}>
}

export function readJournal(id: string, dir: string = path.join(stateDir(), 'journal')): JournalView | undefined {
  const file = path.join(dir, `${id}.ndjson`)
  if (!fs.existsSync(file)) return undefined
  const entries = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalEntry)
  if (entries.length === 0) return undefined
  const started = entries.find((entry) => entry.step === 'started')
  const decided = entries.find((entry) => entry.step === 'decided')
  const planned = new Map<string, {host: string; targetApp: string; from: string | null; to: string}>()
  const plan = entries.find((entry) => entry.step === 'planned')
  for (const app of (plan?.['apps'] as Array<{app: string; host: string; targetApp: string; from: string | null; to: string}> | undefined) ?? []) {
    planned.set(app.app, {host: app.host, targetApp: app.targetApp, from: app.from, to: app.to})
  }
  return {
    id,
    ...(typeof started?.['from'] === 'string' ? {from: started['from']} : {}),
    ...(typeof started?.['to'] === 'string' ? {to: started['to']} : {}),
    ...(started === undefined ? {} : {startedAt: started.ts}),
    lastStep: entries.at(-1)!,
    ...(decided?.['decision'] === 'release' || decided?.['decision'] === 'abort' ? {decision: decided['decision']} : {}),
    planned,
  }
}
