import path from 'node:path'
import {currentSession} from '../session.js'
import {readText} from '../store/files.js'

/**
 * What a deploy reads from the app's source tree: the Procfile and app.json as Dokku does, and
 * `.sim.json`, which carries the simulation's knobs with the code — so "a revision whose checks
 * fail" is just a commit.
 */
export interface SimBehaviour {
  /** How long the image build takes. */
  buildMs: number
  buildFails: boolean
  /** How long Dokku's own health checks take per container. */
  checkMs: number
  /** true fails every container's checks; a list fails only those process types or `type.index` containers. */
  checkFails: boolean | string[]
}

export interface Formation {
  quantity?: number
  maxParallel?: number
}

export interface AppTree {
  /** Procfile process types (without `release`); `web` alone when there is no Procfile. */
  processTypes: Record<string, string>
  hasProcfile: boolean
  releaseCommand: string | undefined
  predeploy: string | undefined
  postdeploy: string | undefined
  formation: Record<string, Formation>
  builder: 'dockerfile' | 'herokuish'
  sim: SimBehaviour
}

/** Set while the simulator seeds its hosts: builds and checks take no time then. */
export const SEEDING_ENV = 'SIM_SEEDING'

const DEFAULT_SIM: SimBehaviour = {buildMs: 0, buildFails: false, checkMs: 0, checkFails: false}

export class AppTreeError extends Error {}

export function readAppTree(dir: string): AppTree {
  const procfile = readText(path.join(dir, 'Procfile'))
  const processTypes: Record<string, string> = {}
  let releaseCommand: string | undefined
  for (const line of (procfile ?? '').split('\n')) {
    const match = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(line.trim())
    if (!match) continue
    if (match[1] === 'release') releaseCommand = match[2]!.trim()
    else processTypes[match[1]!] = match[2]!.trim()
  }
  if (Object.keys(processTypes).length === 0) processTypes['web'] = 'default'

  const appJson = parseJson(readText(path.join(dir, 'app.json')), 'app.json') as {
    scripts?: {dokku?: {predeploy?: string; postdeploy?: string}}
    formation?: Record<string, {quantity?: number; max_parallel?: number}>
  }
  const formation: Record<string, Formation> = {}
  for (const [type, entry] of Object.entries(appJson.formation ?? {})) {
    formation[type] = {
      ...(entry.quantity === undefined ? {} : {quantity: entry.quantity}),
      ...(entry.max_parallel === undefined ? {} : {maxParallel: entry.max_parallel}),
    }
  }

  const sim = {...DEFAULT_SIM, ...(parseJson(readText(path.join(dir, '.sim.json')), '.sim.json') as Partial<SimBehaviour>)}
  if (currentSession().env[SEEDING_ENV] === '1') Object.assign(sim, {buildMs: 0, checkMs: 0})
  return {
    processTypes,
    hasProcfile: procfile !== undefined,
    releaseCommand,
    predeploy: appJson.scripts?.dokku?.predeploy,
    postdeploy: appJson.scripts?.dokku?.postdeploy,
    formation,
    builder: readText(path.join(dir, 'Dockerfile')) === undefined ? 'herokuish' : 'dockerfile',
    sim,
  }
}

function parseJson(text: string | undefined, name: string): object {
  if (text === undefined) return {}
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null) return value
  } catch {
    // fall through
  }
  throw new AppTreeError(`${name} is not a valid JSON object`)
}

/**
 * Whether a container's checks fail: by the release's `.sim.json`, or by the app's own config on this
 * host (`SIM_CHECK_FAILS=1`, or a comma list of types / `type.index`) — an environment-specific
 * failure, like a production app that cannot pass its health check without a variable dev has.
 */
export function checkFailsFor(sim: SimBehaviour, config: Record<string, string>, proc: string, index: number): boolean {
  const listed = (entries: string[]) => entries.includes(proc) || entries.includes(`${proc}.${index}`)
  const fromConfig = config['SIM_CHECK_FAILS']
  if (fromConfig && (fromConfig === '1' || fromConfig === 'true' || listed(fromConfig.split(',')))) return true
  return typeof sim.checkFails === 'boolean' ? sim.checkFails : listed(sim.checkFails)
}

/** Whether the build fails: by `.sim.json`, or by the app's config on this host (`SIM_BUILD_FAILS=1`). */
export function buildFails(sim: SimBehaviour, config: Record<string, string>): boolean {
  return sim.buildFails || config['SIM_BUILD_FAILS'] === '1' || config['SIM_BUILD_FAILS'] === 'true'
}
