import pMap from 'p-map'
import {APP_MISSING_EXIT, appsReport, checksReport, gitReport, proxyReport, psReport, schedulerReport, version} from '../dokku/commands/core.js'
import {gateStatus, gateVersion} from '../dokku/commands/gate.js'
import {type GateAppStatus, parseGateStatus, parseGateVersion} from '../dokku/parse/gate.js'
import {deployedGitRevision, parseAppsReport, parseChecksReport, parseGitReport, parseProxyReport, parsePsReport, parseSchedulerReport} from '../dokku/parse/reports.js'
import {isSupportedDokku, parseDokkuVersion} from '../dokku/parse/version.js'
import {GraduateError, PreflightError, RemoteCommandError} from '../errors.js'
import type {HostSpec, ResolvedApp} from '../manifest/types.js'
import type {EventBus} from './events.js'
import {type HostDirectory, hostKey} from './hosts.js'

/** The gate protocol this CLI speaks (dokku-plugin/PROTOCOL.md). */
export const GATE_PROTOCOL = 1

export interface SourceFacts {
  app: string
  host: string
  /** The revision the source runs (its last successful deploy). */
  rev: string
  /** The branch to fetch it from. */
  deployBranch: string
}

export interface TargetFacts {
  app: string
  host: string
  /** What the target runs now: its last successful git deploy, or null. */
  rev: string | null
  deployBranch: string
  /** Process types Dokku runs for the app, with their counts. */
  processes: Record<string, number>
  gate: GateAppStatus | undefined
}

export interface PreflightFacts {
  sources: Map<string, SourceFacts>
  targets: Map<string, TargetFacts>
}

interface Problem {
  host: string
  app?: string
  message: string
  fix?: string
}

/**
 * Phase 2: read-only checks on every host and app, all at once; every problem is reported, then
 * one PreflightError (exit 3) stops the graduation before anything was changed.
 */
export async function preflight(apps: ResolvedApp[], context: {hosts: HostDirectory; bus: EventBus; commandMs: number; signal?: AbortSignal}): Promise<PreflightFacts> {
  const problems: Problem[] = []
  const problem = (entry: Problem) => {
    problems.push(entry)
    context.bus.emit({type: 'problem', severity: 'error', ...entry})
  }
  const warn = (entry: Problem) => context.bus.emit({type: 'problem', severity: 'warning', ...entry})
  const options = {timeoutMs: context.commandMs, readOnly: true, ...(context.signal ? {signal: context.signal} : {})}

  const targetHosts = distinct(apps.map((app) => app.target.host))
  const sourceHosts = distinct(apps.map((app) => app.source.host))
  const gateStatuses = new Map<string, Map<string, GateAppStatus>>()

  const checkHost = async (spec: HostSpec, isTarget: boolean) => {
    const host = context.hosts.get(spec)
    const dokku = parseDokkuVersion((await host.run(version(), options)).stdout, version())
    if (!isSupportedDokku(dokku)) {
      problem({host: host.label, message: `runs Dokku ${dokku.raw}; graduate needs 0.38.0 or newer (build ids and the check-deploy order it relies on)`, fix: 'upgrade Dokku on this host'})
    }
    if (!isTarget) return
    const gate = await host.send(gateVersion(), options)
    if (gate.exitCode !== 0) {
      problem({
        host: host.label,
        message: 'the graduate gate plugin is not installed, so deploys cannot be held before they take traffic',
        fix: `install it as root on the host: sudo dokku plugin:install <graduate's dokku-plugin tarball or git URL> --name graduate (or run \`graduate gate install\`)`,
      })
      return
    }
    const installed = parseGateVersion(gate.stdout, gateVersion())
    if (installed.protocol !== GATE_PROTOCOL) {
      problem({
        host: host.label,
        message: `the gate plugin ${installed.version} speaks protocol ${installed.protocol}; this graduate speaks ${GATE_PROTOCOL}`,
        fix: 'install the gate plugin that ships with this graduate version on the host',
      })
      return
    }
    const targetApps = apps.filter((app) => hostKey(app.target.host) === hostKey(spec)).map((app) => app.target.app)
    const status = parseGateStatus((await host.run(gateStatus(targetApps), options)).stdout, gateStatus(targetApps))
    gateStatuses.set(host.label, new Map(status.apps.map((entry) => [entry.app, entry])))
  }

  const hostChecks = [
    ...targetHosts.map((spec) => ({spec, isTarget: true})),
    ...sourceHosts.filter((spec) => !targetHosts.some((target) => hostKey(target) === hostKey(spec))).map((spec) => ({spec, isTarget: false})),
  ]
  await settleAll(
    hostChecks.map(({spec, isTarget}) => () => checkHost(spec, isTarget)),
    (error, index) => problem({host: hostKey(hostChecks[index]!.spec), message: describe(error)}),
  )

  const sources = new Map<string, SourceFacts>()
  const targets = new Map<string, TargetFacts>()

  const checkSource = async (app: ResolvedApp) => {
    const host = context.hosts.get(app.source.host)
    const report = await host.run(withMissingApp(appsReport(app.source.app)), options)
    if (report.exitCode === APP_MISSING_EXIT) {
      problem({host: host.label, app: app.name, message: `source app ${app.source.app} does not exist`, fix: `check the app's name for this environment in the manifest (dokku apps:list on ${host.label})`})
      return
    }
    const apps = parseAppsReport(report.stdout, appsReport(app.source.app))
    const rev = deployedGitRevision(apps)
    if (!rev) {
      const source = apps.deploySource || 'none'
      problem({
        host: host.label,
        app: app.name,
        message:
          source === 'none'
            ? `source app ${app.source.app} has never been deployed successfully, so there is no revision to promote`
            : `source app ${app.source.app} was deployed from ${source} (${apps.deploySourceMetadata}); graduate promotes git deploys (git push or git:sync)`,
        fix: source === 'none' ? `deploy ${app.source.app} on ${host.label} first` : 'redeploy the source app with git push, or leave it out with --only',
      })
      return
    }
    const git = await host.run(gitReport(app.source.app), options)
    sources.set(app.name, {app: app.source.app, host: host.label, rev, deployBranch: parseGitReport(git.stdout, gitReport(app.source.app)).deployBranch})
  }

  const checkTarget = async (app: ResolvedApp) => {
    const host = context.hosts.get(app.target.host)
    const name = app.target.app
    const report = await host.run(withMissingApp(appsReport(name)), options)
    if (report.exitCode === APP_MISSING_EXIT) {
      problem({host: host.label, app: app.name, message: `target app ${name} does not exist`, fix: `create it first: dokku apps:create ${name} (on ${host.label}), then set its config`})
      return
    }
    const [git, proxy, checks, ps, scheduler] = await Promise.all([
      host.run(gitReport(name), options),
      host.run(proxyReport(name), options),
      host.run(checksReport(name), options),
      host.run(psReport(name), options),
      host.run(schedulerReport(name), options),
    ])
    const gitFacts = parseGitReport(git.stdout, gitReport(name))
    const proxyFacts = parseProxyReport(proxy.stdout, proxyReport(name))
    const checksFacts = parseChecksReport(checks.stdout, checksReport(name))
    const psFacts = parsePsReport(ps.stdout, psReport(name))
    const schedulerFacts = parseSchedulerReport(scheduler.stdout, schedulerReport(name))

    if (proxyFacts.type !== 'nginx') {
      problem({
        host: host.label,
        app: app.name,
        message: `${name} uses the ${proxyFacts.type} proxy; only nginx keeps a held deploy away from traffic (label-based proxies route to new containers as soon as they start)`,
        fix: `dokku proxy:set ${name} nginx`,
      })
    }
    if (checksFacts.disabled.some((type) => type === 'web' || type === '_all_')) {
      problem({host: host.label, app: app.name, message: `checks are disabled for ${name}'s web process, so Dokku never calls check-deploy and nothing can hold the deploy`, fix: `dokku checks:enable ${name} web`})
    }
    if (psFacts.skipDeploy) {
      problem({host: host.label, app: app.name, message: `${name} has skip-deploy set, so a push would start nothing`, fix: `dokku ps:set ${name} skip-deploy false`})
    }
    if (schedulerFacts.scheduler !== 'docker-local') {
      problem({host: host.label, app: app.name, message: `${name} is scheduled by ${schedulerFacts.scheduler}; only docker-local calls check-deploy`, fix: `dokku scheduler:set ${name} selected docker-local`})
    }
    const processes: Record<string, number> = {}
    for (const container of psFacts.containers) processes[container.proc] = Math.max(processes[container.proc] ?? 0, container.index)
    for (const type of Object.keys(processes).filter((type) => type !== 'web')) {
      warn({host: host.label, app: app.name, message: `${name}'s ${type} processes start only after the release; their failure cannot be rolled back with the others`})
    }
    const gate = gateStatuses.get(host.label)?.get(name)
    targets.set(app.name, {
      app: name,
      host: host.label,
      rev: deployedGitRevision(parseAppsReport(report.stdout, appsReport(name))) ?? null,
      deployBranch: gitFacts.deployBranch,
      processes,
      gate,
    })
  }

  await settleAll(
    apps.flatMap((app) => [() => checkSource(app), () => checkTarget(app)]),
    (error, index) => {
      const app = apps[Math.floor(index / 2)]!
      const spec = index % 2 === 0 ? app.source.host : app.target.host
      problem({host: hostKey(spec), app: app.name, message: describe(error)})
    },
  )

  if (problems.length > 0) {
    const lines = problems.map((entry) => `${entry.host}${entry.app ? ` ${entry.app}` : ''}: ${entry.message}${entry.fix ? `\n    fix: ${entry.fix}` : ''}`)
    throw new PreflightError(`preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was changed:\n  ${lines.join('\n  ')}`, 'fix the problems above and run the graduation again')
  }
  return {sources, targets}
}

/** apps:report on a missing app exits 20, like apps:exists; that is an answer here, not a failure. */
function withMissingApp<T extends {okExitCodes?: readonly number[]}>(command: T): T {
  return {...command, okExitCodes: [0, APP_MISSING_EXIT]}
}

async function settleAll(tasks: Array<() => Promise<void>>, onError: (error: unknown, index: number) => void): Promise<void> {
  await pMap(
    tasks.map((task, index) => ({task, index})),
    async ({task, index}) => {
      try {
        await task()
      } catch (error) {
        onError(error, index)
      }
    },
    {concurrency: 16},
  )
}

function distinct(specs: HostSpec[]): HostSpec[] {
  return [...new Map(specs.map((spec) => [hostKey(spec), spec])).values()]
}

function describe(error: unknown): string {
  if (error instanceof RemoteCommandError) return error.message.replace(/^[^:]+: /, '')
  if (error instanceof GraduateError) return error.message
  return error instanceof Error ? error.message : String(error)
}
