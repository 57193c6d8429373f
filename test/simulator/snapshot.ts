import path from 'node:path'
import {type HostPaths, dataDir} from './host/paths.js'
import {listApps} from './core/store/apps.js'
import {listBuilds} from './core/store/builds.js'
import {readConfig} from './core/store/config-env.js'
import {DeployLock} from './core/store/deploy-lock.js'
import {findImage, listContainers} from './core/store/docker.js'
import {listDir, parseKeyValues, readText} from './core/store/files.js'
import {computedDeployBranch, refSha, revEnvVar} from './core/store/git-repo.js'
import {readRoute} from './core/store/nginx.js'
import {getProperty} from './core/store/properties.js'
import {readSettings} from './core/store/settings.js'

export interface AppSnapshot {
  name: string
  /** What the router serves now. */
  liveRev: string | null
  liveSince: number | null
  /** The deploy branch's tip in the app's bare repo. */
  branchSha: string | null
  /** The revision `dokku/<app>:latest` was built from (an image deploy's: its base image's). */
  latestRev: string | null
  /** `dokku/<app>:latest`: its image id and the registry digests it carries (none when built on this host). */
  latestImage: {id: string; repoDigests: string[]} | null
  /** The image id the router's containers run. */
  liveImage: string | null
  /** The app's revision variable (GIT_REV) in its config. */
  gitRev: string | null
  deploySource: string | null
  deploySourceMetadata: string | null
  /** git:report --git-source-image: the image of the last git:from-image, written before its deploy ran. */
  sourceImage: string | null
  /** registry:report --registry-tag-version: the tag of the last release pushed. */
  tagVersion: string | null
  /** A deploy holds the app's flock right now. */
  deploying: boolean
  containers: {id: string; name: string; proc: string; index: number; state: string; exitCode: number | null; rev: string | null}[]
  /** The gate plugin's state files for the app, parsed (armed / held / decision), when the gate is installed. */
  gate: Record<string, Record<string, string>>
  builds: {id: string; kind: string; status: string; source: string; exitCode: number | null}[]
}

export interface JournalEntry {
  ts: number
  user: string
  command: string
  exitCode: number
  durationMs: number
}

export interface HostSnapshot {
  name: string
  settings: ReturnType<typeof readSettings>
  apps: AppSnapshot[]
  environments: Record<string, {lock: Record<string, string> | null; records: unknown[]}>
  journal: JournalEntry[]
}

/** Everything a test may want to assert on, read from the host's files (works while the simulator runs or after). */
export function hostSnapshot(paths: HostPaths): HostSnapshot {
  return {
    name: readSettings(paths).name,
    settings: readSettings(paths),
    apps: listApps(paths).map((app) => appSnapshot(paths, app)),
    environments: environmentsSnapshot(paths),
    journal: readJournal(paths),
  }
}

function appSnapshot(paths: HostPaths, app: string): AppSnapshot {
  const route = readRoute(paths, app)
  const latest = findImage(paths, `dokku/${app}:latest`)
  const gateDir = dataDir(paths, 'graduate', app)
  const gate: Record<string, Record<string, string>> = {}
  for (const file of ['armed', 'held', 'decision']) {
    const text = readText(path.join(gateDir, file))
    if (text !== undefined) gate[file] = parseKeyValues(text)
  }
  return {
    name: app,
    liveRev: route?.rev ?? null,
    liveSince: route?.liveSince ?? null,
    branchSha: refSha(paths, app, `refs/heads/${computedDeployBranch(paths, app)}`) ?? null,
    latestRev: latest?.rev ?? null,
    latestImage: latest ? {id: latest.id, repoDigests: latest.repoDigests ?? []} : null,
    liveImage: route?.image ?? null,
    gitRev: readConfig(paths, app)[revEnvVar(paths, app)] ?? null,
    deploySource: getProperty(paths, 'apps', app, 'deploy-source') ?? null,
    deploySourceMetadata: getProperty(paths, 'apps', app, 'deploy-source-metadata') ?? null,
    sourceImage: getProperty(paths, 'git', app, 'source-image') ?? null,
    tagVersion: getProperty(paths, 'registry', app, 'tag-version') ?? null,
    deploying: DeployLock.isHeld(paths, app),
    containers: listContainers(paths, app).map((container) => ({
      id: container.id,
      name: container.name,
      proc: container.proc,
      index: container.index,
      state: container.state,
      exitCode: container.exitCode,
      rev: findImage(paths, container.image)?.rev ?? null,
    })),
    gate,
    builds: listBuilds(paths, app).map((record) => ({id: record.id, kind: record.kind, status: record.status, source: record.source, exitCode: record.exit_code ?? null})),
  }
}

function environmentsSnapshot(paths: HostPaths): HostSnapshot['environments'] {
  const root = path.join(dataDir(paths, 'graduate'), '_environments')
  const environments: HostSnapshot['environments'] = {}
  for (const env of listDir(root)) {
    const lock = readText(path.join(root, env, 'lock'))
    environments[env] = {
      lock: lock === undefined ? null : parseKeyValues(lock),
      records: listDir(path.join(root, env, 'records'))
        .filter((file) => file.endsWith('.json'))
        .map((file) => JSON.parse(readText(path.join(root, env, 'records', file)) ?? 'null') as unknown),
    }
  }
  return environments
}

export function readJournal(paths: HostPaths): JournalEntry[] {
  return (readText(paths.journalFile) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalEntry)
}
