import {APP_MISSING_EXIT, appsReport, checksReport, configKeys, domainsReport, gitReport, proxyReport, psReport, registryReport, schedulerReport} from '../dokku/commands/core.js'
import type {GateAppFacts, GateMissingApp} from '../dokku/parse/gate.js'
import {parseConfigKeys} from '../dokku/parse/lists.js'
import {
  type RegistryReport,
  deployedArtifact,
  deployedGitRevision,
  parseAppsReport,
  parseChecksReport,
  parseDomainsReport,
  parseGitReport,
  parseProxyReport,
  parsePsReport,
  parseRegistryReport,
  parseSchedulerReport,
} from '../dokku/parse/reports.js'
import {AppFactsError} from '../errors.js'
import type {DokkuHost} from '../remote/dokku-host.js'

/** What Dokku reports about one app, as much as a graduation needs; read-only. */
export interface AppFacts {
  app: string
  host: string
  exists: boolean
  /** `git-push`, `git-sync`, `docker-image`… or '' before the first successful deploy. */
  deploySource: string
  deploySourceMetadata: string
  /** The git revision of the last successful deploy (git-push, or git-sync to a sha). */
  rev: string | null
  /** What the last successful deploy was, as graduate promotes it: that git revision, or the image of an image deploy. */
  artifact: string | null
  deployBranch: string
  revEnvVar: string
  /** Targets read by the gate: the revision variable's value, when it is a revision (Dokku leaves it on a failed build). */
  revEnvValue?: string | null
  /** Config variable names (never values). */
  configKeys: string[]
  /** Sources only: whether releases are pushed to a registry, and where. */
  registry?: RegistryReport
  /** Targets, or with detail 'all': how many containers of each process type Dokku runs. */
  processes?: Record<string, number>
  skipDeploy?: boolean
  proxyType?: string
  checksDisabled?: string[]
  checksSkipped?: string[]
  scheduler?: string
  /** Only with detail 'all': the app's domains other than Dokku's default `<app>.<global domain>`. */
  customDomains?: string[]
}

/**
 * What to read. Every app: its deployed revision or image, deploy branch and config names. A source
 * also: its registry settings (to decide how it is promoted). A target also: what preflight requires
 * of it (proxy, checks, scheduler, skip-deploy, processes). `all` adds, on either side, what a person
 * reads in the plan's drift: those settings of a source too, and the domains.
 */
export interface FactsWanted {
  side: 'source' | 'target'
  detail: 'minimal' | 'all'
}

export interface ReadOptions {
  timeoutMs: number
  signal?: AbortSignal | undefined
}

/**
 * Reads an app's facts with Dokku's own `--format json` reports and `config:keys`, in parallel. An app
 * that does not exist answers `exists: false` (apps:report exits 20) and nothing else is asked — a
 * git command against a missing app would create it.
 */
export async function readAppFacts(host: DokkuHost, app: string, wanted: FactsWanted, read: ReadOptions): Promise<AppFacts> {
  const options = {timeoutMs: read.timeoutMs, readOnly: true, ...(read.signal ? {signal: read.signal} : {})}
  const apps = {...appsReport(app), okExitCodes: [0, APP_MISSING_EXIT]}
  const report = await host.run(apps, options)
  if (report.exitCode === APP_MISSING_EXIT) return missingApp(host.label, app)
  const deployed = parseAppsReport(report.stdout, apps)
  const settings = wanted.side === 'target' || wanted.detail === 'all'
  const [git, keys, registry, ps, proxy, checks, scheduler, domains] = await Promise.all([
    host.run(gitReport(app), options),
    host.run(configKeys(app), options),
    wanted.side === 'source' ? host.run(registryReport(app), options) : undefined,
    settings ? host.run(psReport(app), options) : undefined,
    settings ? host.run(proxyReport(app), options) : undefined,
    settings ? host.run(checksReport(app), options) : undefined,
    settings ? host.run(schedulerReport(app), options) : undefined,
    wanted.detail === 'all' ? host.run(domainsReport(app), options) : undefined,
  ])
  const gitFacts = parseGitReport(git.stdout, gitReport(app))
  const facts = deployedApp(host.label, app, {
    deploySource: deployed.deploySource,
    deploySourceMetadata: deployed.deploySourceMetadata,
    deployBranch: gitFacts.deployBranch,
    revEnvVar: gitFacts.revEnvVar,
    configKeys: parseConfigKeys(keys.stdout),
  })
  if (registry) facts.registry = parseRegistryReport(registry.stdout, registryReport(app))
  if (ps) {
    const psFacts = parsePsReport(ps.stdout, psReport(app))
    const processes: Record<string, number> = {}
    for (const container of psFacts.containers) processes[container.proc] = Math.max(processes[container.proc] ?? 0, container.index)
    facts.processes = processes
    facts.skipDeploy = psFacts.skipDeploy
  }
  if (proxy) facts.proxyType = parseProxyReport(proxy.stdout, proxyReport(app)).type
  if (checks) {
    const checksFacts = parseChecksReport(checks.stdout, checksReport(app))
    facts.checksDisabled = [...checksFacts.disabled]
    facts.checksSkipped = [...checksFacts.skipped]
  }
  if (scheduler) facts.scheduler = parseSchedulerReport(scheduler.stdout, schedulerReport(app)).scheduler
  if (domains) {
    const report = parseDomainsReport(domains.stdout, domainsReport(app))
    const defaults = report.globalVhosts.map((domain) => `${app}.${domain}`)
    facts.customDomains = report.appVhosts.filter((vhost) => !defaults.includes(vhost))
  }
  return facts
}

/**
 * The same facts from the gate's `graduate:facts` answer for the app (protocol 3), read on the host in
 * one command for every app there. Throws when the gate could not read something it was asked for:
 * the message names the host, the app and the Dokku command that failed.
 */
export function appFactsFromGate(host: string, entry: GateAppFacts | GateMissingApp, wanted: FactsWanted): AppFacts {
  const app = entry.app
  if (entry.errors.length > 0) throw new AppFactsError({host, app, failures: entry.errors})
  if (!entry.exists) return missingApp(host, app)
  const facts = deployedApp(host, app, {
    deploySource: entry.deploySource,
    deploySourceMetadata: entry.deploySourceMetadata,
    deployBranch: entry.deployBranch,
    revEnvVar: entry.revEnvVar,
    configKeys: [...(entry.configKeys ?? [])],
  })
  if (wanted.side === 'source') {
    const {registry} = entry
    facts.registry = {pushOnRelease: registry.pushOnRelease, server: registry.server ?? '', imageRepo: registry.imageRepo ?? '', tagVersion: registry.tagVersion}
  }
  if (wanted.side === 'target') facts.revEnvValue = entry.revEnvValue
  if (wanted.side === 'target' || wanted.detail === 'all') {
    facts.processes = processesOf(entry.containers)
    facts.skipDeploy = entry.skipDeploy
    facts.proxyType = entry.proxyType
    facts.checksDisabled = [...entry.checksDisabled]
    facts.checksSkipped = [...entry.checksSkipped]
    facts.scheduler = entry.scheduler
  }
  if (wanted.detail === 'all' && entry.domains !== null) {
    const defaults = entry.domains.global.map((domain) => `${app}.${domain}`)
    facts.customDomains = entry.domains.app.filter((vhost) => !defaults.includes(vhost))
  }
  return facts
}

/** An app Dokku does not have: nothing else about it is asked. */
function missingApp(host: string, app: string): AppFacts {
  return {app, host, exists: false, deploySource: '', deploySourceMetadata: '', rev: null, artifact: null, deployBranch: '', revEnvVar: 'GIT_REV', configKeys: []}
}

/** What every existing app has, whoever read it: its deploy (and so its revision or image), branch and config names. */
function deployedApp(host: string, app: string, read: Pick<AppFacts, 'deploySource' | 'deploySourceMetadata' | 'deployBranch' | 'revEnvVar' | 'configKeys'>): AppFacts {
  const deployed = {deploySource: read.deploySource, deploySourceMetadata: read.deploySourceMetadata, locked: false}
  return {app, host, exists: true, ...read, rev: deployedGitRevision(deployed) ?? null, artifact: deployedArtifact(deployed) ?? null}
}

/** How many containers of each process type run, from Dokku's `<proc>.<index>` container names (as ps:report's status keys). */
function processesOf(containers: readonly string[]): Record<string, number> {
  const processes: Record<string, number> = {}
  for (const name of containers) {
    const match = /^(.+)\.(\d+)$/.exec(name)
    if (match) processes[match[1]!] = Math.max(processes[match[1]!] ?? 0, Number(match[2]))
  }
  return processes
}
