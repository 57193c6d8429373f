import pMap from 'p-map'
import {warningsOnStderr} from '../ui/stderr-warnings.js'
import type {GateAppFacts, GateMissingApp} from '../dokku/parse/gate.js'
import {type HostFactsAnswer, readHostFacts} from '../graduation/host-facts.js'
import {hostKey} from '../manifest/host.js'
import {cacheDir} from '../graduation/journal.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import {cacheRepoFor} from '../graduation/transfer.js'
import {loadManifest, resolveEnvironment} from '../manifest/index.js'
import type {HostSpec, ResolvedEnvironment} from '../manifest/types.js'
import {withSession} from '../session.js'
import {describeSettings} from '../ssh/describe-settings.js'
import {bundledPlugin} from './bundled-plugin.js'
import {describeFailure} from './describe-failure.js'
import {checkApp} from './doctor-app.js'
import {checkHost} from './doctor-host.js'
import {type CheckStatus, type DoctorRow, RowSink} from './doctor-rows.js'

export interface DoctorRequest {
  manifestPath: string
  /** One environment; every environment of the chain when absent. */
  env?: string | undefined
  /** --accept-new-host-keys: an unknown host key is accepted and recorded (a changed one never is). */
  acceptNewHostKeys?: boolean
}

export interface DoctorHost {
  host: string
  /** The environments (of those checked) with an app on this host. */
  environments: string[]
  /** How graduate connects to it (describeSettings: one fact a line; paths and choices, never key material). */
  settings: string[]
  reachable: boolean
}

export interface DoctorReport {
  manifest: string
  environments: string[]
  hosts: DoctorHost[]
  /** Host rows first, then each environment's apps; in manifest order. */
  rows: DoctorRow[]
  counts: Record<CheckStatus, number>
  /** The version of the gate plugin this graduate ships. */
  gatePlugin: string
}

/**
 * `graduate doctor [env]`: every check a graduation would make, and what it cannot promise, for every
 * host and app — without changing anything. Each host: reachable with a known host key, its SSH settings,
 * Dokku's version, the gate plugin and its hold hook. Each app: see doctor-app.ts. A host that cannot be
 * reached fails its `ssh` row and its apps are not checked.
 */
export async function runDoctor(request: DoctorRequest): Promise<DoctorReport> {
  const manifest = await loadManifest(request.manifestPath)
  const environments = (request.env === undefined ? manifest.chain : [request.env]).map((name) => resolveEnvironment(manifest, name))
  const plugin = bundledPlugin()
  const hostList = distinctHosts(environments, manifest.chain)
  const commandMs = manifest.options.timeouts.commandMs
  return withSession({bus: warningsOnStderr('doctor', '-'), connectTimeoutMs: manifest.options.timeouts.connectMs, acceptNewHostKeys: request.acceptNewHostKeys}, async (directory) => {
    const connected = new Map<string, DokkuHost>()
    // Each host's gate is asked once for all of its apps (`graduate:facts`); a host whose gate cannot
    // answer is checked with Dokku's own commands, one by one.
    const gateFacts = new Map<string, Map<string, GateAppFacts | GateMissingApp>>()
    const hostRows = await pMap(
      hostList,
      async (entry) => {
        const rows = new RowSink({host: entry.key})
        try {
          const host = await directory.connect(entry.spec)
          connected.set(entry.key, host)
          rows.ok('ssh', 'connected; the host key is the one known_hosts lists')
          const apps = [...new Set(environments.flatMap((env) => env.apps.filter((app) => hostKey(app.host) === entry.key).map((app) => app.app)))]
          let survey: {answer: HostFactsAnswer} | {error: unknown}
          try {
            survey = {answer: await readHostFacts(host, apps, {}, {timeoutMs: commandMs})}
          } catch (error) {
            survey = {error}
          }
          if ('answer' in survey && survey.answer.kind === 'facts') gateFacts.set(entry.key, new Map(survey.answer.facts.apps.map((app) => [app.app, app])))
          return [...rows.rows, ...(await checkHost({host, env: entry.fixEnv, target: entry.target, plugin, commandMs, survey}))]
        } catch (error) {
          const failure = describeFailure(error)
          rows.fail('ssh', failure.reason.startsWith(`${entry.key}: `) ? failure.reason.slice(entry.key.length + 2) : failure.reason, failure.fix)
          return rows.rows
        }
      },
      {concurrency: 8},
    )

    const repo = cacheRepoFor(cacheDir(), manifest.path)
    const appChecks = environments.flatMap((env) =>
      env.apps
        .filter((app) => connected.has(hostKey(app.host)))
        .map((app) => ({
          host: connected.get(hostKey(app.host))!,
          hosts: directory,
          env: env.name,
          app,
          role: manifest.chain.indexOf(env.name) === 0 ? ('source' as const) : ('target' as const),
          repo,
          commandMs,
          fetchMs: manifest.options.timeouts.deployMs,
          ...(gateFacts.get(hostKey(app.host))?.has(app.app) ? {gate: gateFacts.get(hostKey(app.host))!.get(app.app)!} : {}),
        })),
    )
    const appRows = await pMap(appChecks, checkApp, {concurrency: 4})

    const rows = [...hostRows.flat(), ...appRows.flat()]
    return {
      manifest: manifest.displayPath,
      environments: environments.map((env) => env.name),
      hosts: hostList.map((entry) => ({host: entry.key, environments: entry.environments, settings: describeSettings(directory.settings(entry.spec)), reachable: connected.has(entry.key)})),
      rows,
      counts: {ok: count(rows, 'ok'), warn: count(rows, 'warn'), fail: count(rows, 'fail')},
      gatePlugin: plugin.version,
    }
  })
}

interface HostEntry {
  key: string
  spec: HostSpec
  environments: string[]
  /** Serves an environment graduated into (any but the chain's first). */
  target: boolean
  /** The environment named in the host's fix commands (`graduate gate install <env>`). */
  fixEnv: string
}

/** Each host once, in the order environments and apps name them. */
function distinctHosts(environments: ResolvedEnvironment[], chain: string[]): HostEntry[] {
  const entries = new Map<string, HostEntry>()
  for (const env of environments) {
    const target = chain.indexOf(env.name) > 0
    for (const {host} of env.apps) {
      const key = hostKey(host)
      const entry = entries.get(key)
      if (entry === undefined) {
        entries.set(key, {key, spec: host, environments: [env.name], target, fixEnv: env.name})
        continue
      }
      if (!entry.environments.includes(env.name)) entry.environments.push(env.name)
      if (target && !entry.target) Object.assign(entry, {target: true, fixEnv: env.name})
    }
  }
  return [...entries.values()]
}

function count(rows: DoctorRow[], status: CheckStatus): number {
  return rows.filter((row) => row.status === status).length
}
