import pMap from 'p-map'
import {version} from '../dokku/commands/core.js'
import {gateImageAvailable, gateImageDigest, gateRunningImageDigest} from '../dokku/commands/gate.js'
import {type GateAppFacts, type GateAppStatus, type GateMissingApp, parseImageDigest} from '../dokku/parse/gate.js'
import {parseDokkuVersion} from '../dokku/parse/version.js'
import {AppFactsError, GraduateError, PreflightError, RemoteCommandError} from '../errors.js'
import type {HostSpec, PromotionStrategy, ResolvedApp} from '../manifest/types.js'
import {type AppFacts, type FactsWanted, appFactsFromGate, readAppFacts} from './app-facts.js'
import {sourceArtifact} from './artifact.js'
import {blockingKeys, computeDrift} from './drift.js'
import type {EventBus} from './events.js'
import {HOLD_RULES, judgeDokku, judgeGateHook} from './hold-rules.js'
import {readHostFacts, gateProblem} from './host-facts.js'
import {hostKey} from '../manifest/host.js'
import type {HostDirectory} from './hosts.js'

/** The gate protocol this CLI speaks (dokku-plugin/PROTOCOL.md). */
export {GATE_PROTOCOL} from './host-facts.js'

/** What preflight read of a source app, and what promoting it means. */
export interface SourceFacts extends AppFacts {
  strategy: PromotionStrategy
  /** What the target will run: the git revision, or the image pinned by digest (`repo@sha256:…`). */
  promoted: string
}

/** What preflight read of a target app: its facts and its gate. */
export interface TargetFacts extends AppFacts {
  /** Process types Dokku runs for the app, with their counts. */
  processes: Record<string, number>
  gate: GateAppStatus | undefined
}

export interface PreflightFacts {
  /** By manifest app name; a source that cannot be promoted is absent. */
  sources: Map<string, SourceFacts>
  targets: Map<string, TargetFacts>
}

export interface PreflightOptions {
  hosts: HostDirectory
  bus: EventBus
  commandMs: number
  signal?: AbortSignal | undefined
  /** 'all' also reads what the plan shows a person (every source setting, domains); 'minimal' reads what the run needs. */
  detail: 'all' | 'minimal'
  /** Per app: config keys the source may have and the target lack. */
  driftAllowed: Record<string, string[]>
  /** --accept-drift: missing keys are reported as warnings, not problems. */
  acceptDrift: boolean
  /**
   * Whether each app's source is read (a graduation). A rollback has no source environment to read:
   * its revisions come from a record.
   */
  readSources: boolean
  /** The environment graduated into, named in the commands that install or upgrade its gates. */
  targetEnv: string
}

export interface Problem {
  host: string
  app?: string
  message: string
  fix?: string
}


/** The preflight's error: every problem, each with its host, app and fix. */
export function refusal(problems: Problem[]): PreflightError {
  const lines = problems.map((entry) => `${entry.host}${entry.app ? ` ${entry.app}` : ''}: ${entry.message}${entry.fix ? `\n    fix: ${entry.fix}` : ''}`)
  // No colon before the list: the summary joins these lines with "; ", and the refusal itself says that nothing was changed.
  return new PreflightError(`preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}\n  ${lines.join('\n  ')}`, 'fix the problems above and run the graduation again')
}

/**
 * The checks themselves, for `graduate plan` too: what was read, and every problem that would stop
 * a graduation (each also emitted as a `problem` event, as warnings are).
 */
export async function inspect(apps: ResolvedApp[], context: PreflightOptions): Promise<{facts: PreflightFacts; problems: Problem[]}> {
  const problems: Problem[] = []
  const problem = (entry: Problem) => {
    problems.push(entry)
    context.bus.emit({type: 'problem', severity: 'error', ...entry})
  }
  const warn = (entry: Problem) => context.bus.emit({type: 'problem', severity: 'warning', ...entry})
  const options = {timeoutMs: context.commandMs, readOnly: true, ...(context.signal ? {signal: context.signal} : {})}

  // Every host is asked once, for all its apps as a source and as a target: `graduate:facts` answers
  // with everything below in one round trip. A host that is only a source may have no gate (it is
  // needed there only for image promotion): its apps are then read with Dokku's reports, one by one.
  const plans = new Map<string, {spec: HostSpec; target: boolean; apps: Set<string>}>()
  const plan = (spec: HostSpec, app: string, target: boolean) => {
    const entry = plans.get(hostKey(spec)) ?? {spec, target: false, apps: new Set<string>()}
    entry.target ||= target
    entry.apps.add(app)
    plans.set(hostKey(spec), entry)
  }
  for (const app of apps) {
    plan(app.target.host, app.target.app, true)
    if (context.readSources) plan(app.source.host, app.source.app, false)
  }
  const readers = new Map<string, (app: string, wanted: FactsWanted) => Promise<AppFacts>>()
  const gateStatuses = new Map<string, Map<string, GateAppStatus>>()

  const checkDokku = (label: string, line: string) => {
    const verdict = judgeDokku(parseDokkuVersion(line, version()))
    if (verdict.status === 'fail') problem({host: label, message: verdict.found, fix: verdict.fix})
  }

  const checkHost = async (entry: {spec: HostSpec; target: boolean; apps: Set<string>}) => {
    const host = context.hosts.get(entry.spec)
    // Config key names for the drift on both sides; the revision variable's value where apps are deployed to.
    const answer = await readHostFacts(host, [...entry.apps], {config: true, rev: entry.target, domains: context.detail === 'all'}, options)
    if (answer.kind !== 'facts') {
      if (entry.target) {
        problem({host: host.label, ...gateProblem(answer, context.targetEnv)})
        return
      }
      checkDokku(host.label, (await host.run(version(), options)).stdout)
      readers.set(host.label, (app, wanted) => readAppFacts(host, app, wanted, options))
      return
    }
    const {facts} = answer
    if (facts.dokkuVersion === null) problem({host: host.label, message: `cannot tell which Dokku runs here: ${facts.errors.join('; ')}`, fix: `run \`dokku version\` on ${host.label} as the dokku user`})
    else checkDokku(host.label, facts.dokkuVersion)
    const hook = judgeGateHook(facts.gateHook, context.targetEnv)
    if (entry.target && hook.status === 'fail') problem({host: host.label, message: hook.found, fix: hook.fix})
    const byApp = new Map<string, GateAppFacts | GateMissingApp>(facts.apps.map((app) => [app.app, app]))
    gateStatuses.set(host.label, new Map(facts.apps.map((app) => [app.app, app.gate])))
    readers.set(host.label, async (app, wanted) => appFactsFromGate(host.label, byApp.get(app)!, wanted))
  }

  const hostChecks = [...plans.values()]
  await settleAll(
    hostChecks.map((entry) => () => checkHost(entry)),
    (error, index) => problem({host: hostKey(hostChecks[index]!.spec), message: describe(error)}),
  )
  /** The app's facts as its host answered; undefined when the host could not be read (already a problem). */
  const readApp = async (spec: HostSpec, app: string, wanted: FactsWanted): Promise<AppFacts | undefined> => {
    const reader = readers.get(context.hosts.get(spec).label)
    return reader === undefined ? undefined : reader(app, wanted)
  }

  const sources = new Map<string, SourceFacts>()
  const targets = new Map<string, TargetFacts>()

  const checkSource = async (app: ResolvedApp) => {
    const host = context.hosts.get(app.source.host)
    const facts = await readApp(app.source.host, app.source.app, {side: 'source', detail: context.detail})
    if (facts === undefined) return
    if (!facts.exists) {
      problem({host: host.label, app: app.name, message: `source app ${app.source.app} does not exist`, fix: `check the app's name for this environment in the manifest (dokku apps:list on ${host.label})`})
      return
    }
    const artifact = sourceArtifact(facts, app.strategy)
    if ('problem' in artifact) {
      problem({host: host.label, app: app.name, message: artifact.problem, fix: artifact.fix})
      return
    }
    if (artifact.strategy === 'git') {
      sources.set(app.name, {...facts, strategy: 'git', promoted: artifact.rev})
      return
    }
    const pin = artifact.pin.kind === 'named' ? gateImageDigest(artifact.pin.image) : gateRunningImageDigest(facts.app, artifact.pin.repository)
    const pinned = await host.send(pin, options)
    if (pinned.exitCode !== 0) {
      const answer = lastLine(pinned.stderr || pinned.stdout)
      problem({
        host: host.label,
        app: app.name,
        message: `cannot pin ${artifact.describe} to a registry digest on the source host: ${answer}`,
        fix: /is not a dokku command/.test(answer)
          ? `install the gate plugin on ${host.label} too (\`graduate gate install\` with the source environment): it reads image digests there`
          : `push the image to a registry the target can pull from and redeploy ${app.source.app} from it, or set apps.${app.name}.strategy: git`,
      })
      return
    }
    sources.set(app.name, {...facts, strategy: 'image', promoted: parseImageDigest(pinned.stdout, pin)})
  }

  const checkTarget = async (app: ResolvedApp) => {
    const host = context.hosts.get(app.target.host)
    const name = app.target.app
    const facts = await readApp(app.target.host, name, {side: 'target', detail: context.detail})
    if (facts === undefined) return
    if (!facts.exists) {
      problem({host: host.label, app: app.name, message: `target app ${name} does not exist`, fix: `create it first: dokku apps:create ${name} (on ${host.label}), then set its config`})
      return
    }
    for (const rule of HOLD_RULES) {
      const verdict = rule.judge(facts)
      if (verdict?.status === 'fail') problem({host: host.label, app: app.name, message: `${name}: ${verdict.found}`, fix: verdict.fix})
    }
    const processes = facts.processes ?? {}
    for (const type of Object.keys(processes).filter((type) => type !== 'web')) {
      warn({host: host.label, app: app.name, message: `${name}'s ${type} processes start only after the release; their failure cannot be rolled back with the others`})
    }
    targets.set(app.name, {...facts, processes, gate: gateStatuses.get(host.label)?.get(name)})
  }

  const checks = apps.flatMap((app) => [
    ...(context.readSources ? [{app, side: 'source' as const, run: () => checkSource(app)}] : []),
    {app, side: 'target' as const, run: () => checkTarget(app)},
  ])
  await settleAll(
    checks.map((check) => check.run),
    (error, index) => {
      const {app, side} = checks[index]!
      problem({host: hostKey(side === 'source' ? app.source.host : app.target.host), app: app.name, message: describe(error)})
    },
  )

  await settleAll(
    apps.map((app) => async () => {
      const source = sources.get(app.name)
      const target = targets.get(app.name)
      if (source?.strategy !== 'image' || !target || target.artifact === source.promoted || !gateStatuses.has(target.host)) return
      const check = gateImageAvailable(source.promoted)
      const answer = await context.hosts.get(app.target.host).run(check, options)
      if (answer.exitCode !== 0) {
        problem({
          host: target.host,
          app: app.name,
          message: `the target host cannot pull ${source.promoted}: ${lastLine(answer.stderr || answer.stdout)}`,
          fix: `log the target host in to that registry as Dokku does (dokku registry:login <server> <user> <password>, on ${target.host})`,
        })
      }
    }),
    (error, index) => problem({host: hostKey(apps[index]!.target.host), app: apps[index]!.name, message: describe(error)}),
  )

  for (const app of apps) {
    const source = sources.get(app.name)
    const target = targets.get(app.name)
    if (!source || !target) continue
    const missing = blockingKeys(computeDrift(source, target, context.driftAllowed[app.name] ?? []))
    if (missing.length === 0) continue
    const entry = {
      host: target.host,
      app: app.name,
      message: `${source.app} on ${source.host} sets ${describeKeys(missing)} that ${target.app} does not; the new code may need ${missing.length === 1 ? 'it' : 'them'}`,
      fix: `set ${missing.length === 1 ? 'it' : 'them'} on the target (dokku config:set --no-restart ${target.app} ${missing.map((key) => `${key}=…`).join(' ')}), or allow ${missing.length === 1 ? 'it' : 'them'} in the manifest (apps.${app.name}.drift.allow), or pass --accept-drift`,
    }
    if (context.acceptDrift) warn({...entry, message: `${entry.message} (accepted with --accept-drift)`})
    else problem(entry)
  }

  return {facts: {sources, targets}, problems}
}

function lastLine(text: string): string {
  return (text.trim().split('\n').filter(Boolean).pop() ?? 'no output').replace(/^\s*!\s+/, '')
}

function describeKeys(keys: string[]): string {
  return keys.length === 1 ? `the config key ${keys[0]}` : `the config keys ${keys.join(', ')}`
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

function describe(error: unknown): string {
  // The problem names the host already.
  if (error instanceof AppFactsError) return error.message.slice(`${error.host}: `.length)
  if (error instanceof RemoteCommandError) return error.message.replace(/^[^:]+: /, '')
  if (error instanceof GraduateError) return error.message
  return error instanceof Error ? error.message : String(error)
}
