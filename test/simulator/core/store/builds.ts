import path from 'node:path'
import {currentSession} from '../session.js'
import crypto from 'node:crypto'
import {type HostPaths, dataDir} from '../../host/paths.js'
import {listDir, readJson, writeJsonAtomic} from './files.js'

/** A record of Dokku 0.38's builds plugin (`builds:list --format json`). */
export interface BuildRecord {
  id: string
  app: string
  kind: 'build' | 'deploy'
  pid: number
  started_at: string
  finished_at?: string
  status: 'running' | 'succeeded' | 'failed' | 'canceled'
  source: string
  exit_code?: number
  log_path: string
}

/** Dokku's build ids look like `mwt5e6etaozwuh`: 14 lowercase base-36 characters. */
export function newBuildId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = crypto.randomBytes(14)
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')
}

function buildsDir(paths: HostPaths, app: string): string {
  return dataDir(paths, 'builds', app)
}

export function buildLogPath(paths: HostPaths, app: string, id: string): string {
  return path.join(buildsDir(paths, app), `${id}.log`)
}

export function startBuild(paths: HostPaths, app: string, id: string, kind: BuildRecord['kind'], source: string): BuildRecord {
  const record: BuildRecord = {
    id,
    app,
    kind,
    pid: currentSession().pid,
    started_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    status: 'running',
    source,
    log_path: buildLogPath(paths, app, id),
  }
  writeJsonAtomic(path.join(buildsDir(paths, app), `${id}.json`), record)
  return record
}

export function finishBuild(paths: HostPaths, record: BuildRecord, exitCode: number): void {
  writeJsonAtomic(path.join(buildsDir(paths, record.app), `${record.id}.json`), {
    ...record,
    status: exitCode === 0 ? 'succeeded' : 'failed',
    exit_code: exitCode,
    finished_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  })
}

export function listBuilds(paths: HostPaths, app: string): BuildRecord[] {
  return listDir(buildsDir(paths, app))
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson<BuildRecord>(path.join(buildsDir(paths, app), file)))
    .filter((record): record is BuildRecord => record !== undefined)
    .sort((a, b) => a.started_at.localeCompare(b.started_at))
}
