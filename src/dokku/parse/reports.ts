import {z} from 'zod'

import type {DokkuCommand} from '../command.js'
import {parseJsonOutput} from './output.js'

/*
 * `<plugin>:report <app> --format json` prints a flat object of strings whose keys are the report flags
 * without the plugin prefix (dokku-contract.md §3, dokku-observed.md §8). Each view keeps only what
 * graduate reads; every other key is ignored.
 */

/** A parser of one report: its JSON output checked against the view's schema, or UnexpectedOutput naming the command. */
function reportParser<Schema extends z.ZodType>(schema: Schema): (stdout: string, from: DokkuCommand) => z.output<Schema> {
  return (stdout, from) => parseJsonOutput(stdout, schema, from)
}

const flag = z.enum(['true', 'false']).transform((value) => value === 'true')
const count = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number)
/** Dokku's comma-separated lists (`web,worker`), where `none` or an empty value means no entries. */
const commaList = z.string().transform((value) =>
  value === 'none'
    ? []
    : value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
)
/** Dokku's space-separated lists (domains are joined with single spaces). */
const spaceList = z.string().transform((value) => value.split(/\s+/).filter((entry) => entry !== ''))

export interface AppsReport {
  /** `git-push`, `git-sync`, `docker-image`, `tar`…, or '' before the first successful deploy. */
  readonly deploySource: string
  /** The sha for `git-push`, `<remote>#<ref>` for `git-sync`, the image for `docker-image`. */
  readonly deploySourceMetadata: string
  /** A deploy holds the app's deploy lock (or `apps:lock` left the lock file). */
  readonly locked: boolean
}

export const parseAppsReport = reportParser(
  z
    .looseObject({'deploy-source': z.string(), 'deploy-source-metadata': z.string(), locked: flag})
    .transform((report): AppsReport => ({
      deploySource: report['deploy-source'],
      deploySourceMetadata: report['deploy-source-metadata'],
      locked: report.locked,
    })),
)

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/**
 * The git revision the app's last successful deploy was built from, when Dokku recorded one: the
 * metadata of a `git-push` deploy, or the ref after `#` of a `git-sync` deploy when that ref is a sha.
 * Dokku writes both only after a deploy succeeds, unlike `GIT_REV` (contract §6.7).
 */
export function deployedGitRevision(report: AppsReport): string | undefined {
  const metadata = report.deploySourceMetadata
  let candidate: string
  switch (report.deploySource) {
    case 'git-push':
      candidate = metadata
      break
    case 'git-sync':
      candidate = metadata.slice(metadata.lastIndexOf('#') + 1)
      break
    default:
      return undefined
  }
  return FULL_SHA.test(candidate) ? candidate : undefined
}

/**
 * What the app's last successful deploy was, as graduate promotes it: the git revision of a git
 * deploy, or the image reference of an image deploy (`git:from-image`, written as given). Dokku
 * writes the deploy source only after a deploy succeeds.
 */
export function deployedArtifact(report: AppsReport): string | undefined {
  if (report.deploySource === 'docker-image') return report.deploySourceMetadata || undefined
  return deployedGitRevision(report)
}

export interface RegistryReport {
  /** Releases are pushed to the registry in the release phase (before checks, so also for failed deploys). */
  readonly pushOnRelease: boolean
  /** `registry.example.com/`, with its slash, or '' for Docker Hub. */
  readonly server: string
  readonly imageRepo: string
  /** The tag of the last release pushed, '' when none was. */
  readonly tagVersion: string
}

export const parseRegistryReport = reportParser(
  z
    .looseObject({'computed-push-on-release': z.string(), 'computed-server': z.string(), 'computed-image-repo': z.string(), 'tag-version': z.string()})
    .transform(
      (report): RegistryReport => ({
        pushOnRelease: report['computed-push-on-release'] === 'true',
        server: report['computed-server'],
        imageRepo: report['computed-image-repo'],
        tagVersion: report['tag-version'],
      }),
    ),
)

export interface GitReport {
  /** The branch a push must update to deploy (`computed-deploy-branch`: app, then global, then master). */
  readonly deployBranch: string
  /** The config variable Dokku sets to the pushed revision before building (default GIT_REV). */
  readonly revEnvVar: string
}

// `sha` is deliberately not read: on a real host it is the literal string "HEAD" (observed §8).
export const parseGitReport = reportParser(
  z
    .looseObject({'computed-deploy-branch': z.string().min(1), 'rev-env-var': z.string().min(1)})
    .transform((report): GitReport => ({
      deployBranch: report['computed-deploy-branch'],
      revEnvVar: report['rev-env-var'],
    })),
)

export interface ContainerStatus {
  readonly proc: string
  readonly index: number
  /** Docker's state (`running`, `exited`, …) or `missing` when the container is gone. */
  readonly state: string
  /** The first 11 characters of the container id. */
  readonly cid: string
}

export interface PsReport {
  readonly deployed: boolean
  readonly running: boolean | 'mixed'
  /** How many containers Dokku runs for the app. */
  readonly processes: number
  /** `computed-skip-deploy`: a push builds and releases but starts nothing. */
  readonly skipDeploy: boolean
  /** The containers Dokku currently routes to (`status-<proc>.<index>`); held `upcoming` ones are not listed. */
  readonly containers: readonly ContainerStatus[]
}

const STATUS_KEY = /^status-(.+)\.(\d+)$/
const STATUS_VALUE = /^(\S+) \(CID: ([0-9a-f]*)\)$/

export const parsePsReport = reportParser(
  z
    .looseObject({
      deployed: flag,
      running: z.enum(['true', 'false', 'mixed']),
      processes: count,
      'computed-skip-deploy': flag,
    })
    .check((context) => {
      for (const [key, value] of Object.entries(context.value)) {
        if (STATUS_KEY.test(key) && !(typeof value === 'string' && STATUS_VALUE.test(value))) {
          context.issues.push({code: 'custom', input: value, path: [key], message: 'expected "<state> (CID: <id>)"'})
        }
      }
    })
    .transform((report): PsReport => ({
      deployed: report.deployed,
      running: report.running === 'mixed' ? 'mixed' : report.running === 'true',
      processes: report.processes,
      skipDeploy: report['computed-skip-deploy'],
      containers: Object.entries(report).flatMap(([key, value]) => {
        const keyMatch = STATUS_KEY.exec(key)
        const valueMatch = typeof value === 'string' ? STATUS_VALUE.exec(value) : null
        if (keyMatch === null || valueMatch === null) return []
        return [{proc: keyMatch[1]!, index: Number(keyMatch[2]), state: valueMatch[1]!, cid: valueMatch[2]!}]
      }),
    })),
)

export interface ProxyReport {
  /** `computed-type`: the proxy in effect. The plain `type` is empty on a default host (observed §8). */
  readonly type: string
  readonly enabled: boolean
}

export const parseProxyReport = reportParser(
  z
    .looseObject({'computed-type': z.string().min(1), enabled: flag})
    .transform((report): ProxyReport => ({type: report['computed-type'], enabled: report.enabled})),
)

export interface ChecksReport {
  /** Process types whose checks are disabled; `_all_` means every type. */
  readonly disabled: readonly string[]
  /** Process types whose Dokku checks are skipped (other check-deploy hooks, like the gate, still run). */
  readonly skipped: readonly string[]
}

export const parseChecksReport = reportParser(
  z
    .looseObject({'disabled-list': commaList, 'skipped-list': commaList})
    .transform((report): ChecksReport => ({disabled: report['disabled-list'], skipped: report['skipped-list']})),
)

/**
 * Whether Dokku skips check-deploy entirely for `proc`: then the gate is never called for it and the
 * old containers are stopped before the new ones start (contract §1.1).
 */
export function checksDisabledFor(report: ChecksReport, proc: string): boolean {
  return report.disabled.includes('_all_') || report.disabled.includes(proc)
}

export interface DomainsReport {
  readonly appEnabled: boolean
  readonly appVhosts: readonly string[]
  readonly globalEnabled: boolean
  readonly globalVhosts: readonly string[]
}

export const parseDomainsReport = reportParser(
  z
    .looseObject({'app-enabled': flag, 'app-vhosts': spaceList, 'global-enabled': flag, 'global-vhosts': spaceList})
    .transform(
      (report): DomainsReport => ({
        appEnabled: report['app-enabled'],
        appVhosts: report['app-vhosts'],
        globalEnabled: report['global-enabled'],
        globalVhosts: report['global-vhosts'],
      }),
    ),
)

export interface SchedulerReport {
  /** `computed-selected`: the scheduler in effect; the gate works only with `docker-local`. */
  readonly scheduler: string
}

export const parseSchedulerReport = reportParser(
  z
    .looseObject({'computed-selected': z.string().min(1)})
    .transform((report): SchedulerReport => ({scheduler: report['computed-selected']})),
)
