import pMap from 'p-map'
import {z} from 'zod'
import {pluginList} from '../dokku/commands/core.js'
import {gateStatus, gateVersion} from '../dokku/commands/gate.js'
import {GATE_HOOK_PLUGIN_NAME, GATE_PLUGIN_NAME, pluginInstall, pluginUninstall} from '../dokku/commands/plugin.js'
import {parseGateVersion} from '../dokku/parse/gate.js'
import {parsePluginList} from '../dokku/parse/lists.js'
import {warningsOnStderr} from '../ui/stderr-warnings.js'
import {hostKey} from '../manifest/host.js'
import {GATE_PROTOCOL} from '../graduation/preflight.js'
import {loadManifest, resolveEnvironment} from '../manifest/index.js'
import type {HostSpec} from '../manifest/types.js'
import {withSession} from '../session.js'
import {type BundledPlugin, bundledPlugin, packPlugin} from './bundled-plugin.js'
import {describeFailure} from './describe-failure.js'
import {compareVersions} from './plugin-version.js'
import {RootHost} from '../remote/root-host.js'
import {removeUploadDir, uploadFile} from './upload.js'

/** `install` leaves an older plugin alone (replacing it briefly removes the gate); `upgrade` replaces it. */
export type GateMode = 'install' | 'upgrade'

export interface GateInstallRequest {
  manifestPath: string
  env: string
  mode: GateMode
  /** The login on every host: root, or a user who may `sudo dokku`. */
  user: string
  /** Replace whatever version is installed: a newer one (a downgrade), the same one, one that cannot be compared. */
  force: boolean
  /** --accept-new-host-keys: an unknown host key is accepted and recorded (a changed one never is). */
  acceptNewHostKeys?: boolean
  /** Asked once every host was read and some host would change; false leaves every host as it was. */
  confirm: (plans: GateHostPlan[], plugin: BundledPlugin) => Promise<boolean>
}

/** What a host gets: the plugin installed where it is missing, replaced, nothing, or a refusal. */
export type GateStep = 'install' | 'replace' | 'none' | 'refuse'

export interface GateHostPlan {
  /** The login used, e.g. `root@prod-1:22`. */
  host: string
  /** The graduate plugin on the host before anything changes. */
  installed: {version: string; enabled: boolean} | null
  step: GateStep
  /** What will happen, or for a refusal what stands in the way. */
  reason: string
  fix?: string
}

export type GateHostOutcome = 'installed' | 'upgraded' | 'downgraded' | 'reinstalled' | 'replaced' | 'unchanged' | 'refused' | 'skipped' | 'failed'

export interface GateHostResult {
  host: string
  before: string | null
  after: string | null
  result: GateHostOutcome
  message: string
  fix?: string
}

export interface GateInstallReport {
  env: string
  mode: GateMode
  /** The plugin this graduate ships, and the protocol it speaks. */
  bundled: {version: string; protocol: number}
  hosts: GateHostResult[]
}

/** Whether a host needs attention after the run: a refusal or a failure. */
export function gateHostFailed(result: GateHostResult): boolean {
  return result.result === 'refused' || result.result === 'failed'
}

/**
 * `graduate gate install|upgrade <env>`: on every host of the environment, as root (or through sudo),
 * reads the installed gate plugin, decides per host (install where missing, nothing where this
 * version is there, replace an older one when upgrading, refuse a newer one without --force, refuse to
 * replace a plugin while it holds a graduation), asks once, then uploads the packaged plugin and
 * installs it with Dokku's own plugin:install, and checks what the host reports afterwards.
 */
export async function installGate(request: GateInstallRequest): Promise<GateInstallReport> {
  const manifest = await loadManifest(request.manifestPath)
  const env = resolveEnvironment(manifest, request.env)
  const plugin = bundledPlugin()
  const context: HostContext = {plugin, mode: request.mode, force: request.force, env: env.name, commandMs: env.options.timeouts.commandMs}
  return withSession({bus: warningsOnStderr('-', env.name), connectTimeoutMs: env.options.timeouts.connectMs, acceptNewHostKeys: request.acceptNewHostKeys}, async (directory) => {
    const login = {sudo: request.user !== 'root'}
    const hosts = await pMap(
      env.hosts.map((spec) => withUser(spec, request.user)),
      async (spec) => {
        try {
          const connected = await directory.connect(spec)
          const root = new RootHost(connected.connection, connected.label, login)
          return {root, plan: await planHost(root, context)}
        } catch (error) {
          const failure = describeFailure(error)
          return {root: undefined, plan: {host: hostKey(spec), installed: null, step: 'refuse' as const, reason: failure.reason, ...(failure.fix === undefined ? {} : {fix: failure.fix})}}
        }
      },
      {concurrency: 8},
    )
    const plans = hosts.map(({plan}) => plan)
    const changing = plans.some((plan) => plan.step === 'install' || plan.step === 'replace')
    const confirmed = !changing || (await request.confirm(plans, plugin))
    const tarball = changing && confirmed ? await packPlugin(plugin) : undefined
    const results = await pMap(
      hosts,
      async ({root, plan}): Promise<GateHostResult> => {
        // A host that could not be read never got a plan of its own: it failed, rather than being refused.
        if (root === undefined) return {...refused(plan), result: 'failed'}
        if (plan.step === 'refuse') return refused(plan)
        if (plan.step === 'none') return {host: plan.host, before: plan.installed?.version ?? null, after: plan.installed?.version ?? null, result: 'unchanged', message: plan.reason}
        if (tarball === undefined) return {host: plan.host, before: plan.installed?.version ?? null, after: plan.installed?.version ?? null, result: 'skipped', message: 'left as it was: not confirmed'}
        return applyPlan(root, plan, tarball, context)
      },
      {concurrency: 8},
    )
    return {env: env.name, mode: request.mode, bundled: {version: plugin.version, protocol: GATE_PROTOCOL}, hosts: results}
  })
}

interface HostContext {
  plugin: BundledPlugin
  mode: GateMode
  force: boolean
  env: string
  commandMs: number
}

function withUser(spec: HostSpec, user: string): HostSpec {
  return {...spec, user, display: hostKey({...spec, user})}
}

function refused(plan: GateHostPlan): GateHostResult {
  return {host: plan.host, before: plan.installed?.version ?? null, after: plan.installed?.version ?? null, result: 'refused', message: plan.reason, ...(plan.fix === undefined ? {} : {fix: plan.fix})}
}

/** Reads the host's plugins (and, before replacing one, its gates) and decides what it gets. */
async function planHost(root: RootHost, context: HostContext): Promise<GateHostPlan> {
  const {plugin, force, env} = context
  const plugins = parsePluginList((await root.dokku(pluginList(), {timeoutMs: context.commandMs})).stdout, pluginList())
  const entry = plugins.find((candidate) => candidate.name === GATE_PLUGIN_NAME)
  const base = {host: root.label, installed: entry ? {version: entry.version, enabled: entry.enabled} : null}
  if (!entry) return {...base, step: 'install', reason: `not installed; will install ${plugin.version}`}

  const order = compareVersions(entry.version, plugin.version)
  const refuse = (reason: string, fix: string): GateHostPlan => ({...base, step: 'refuse', reason, fix})
  if (!force) {
    if (order === 0 && entry.enabled) return {...base, step: 'none', reason: `${plugin.version} is already installed`}
    if (order === 0) return refuse(`${entry.version} is installed but disabled, so deploys are not held`, `enable it as root: dokku plugin:enable ${GATE_PLUGIN_NAME} (or reinstall it: graduate gate upgrade ${env} --force)`)
    if (order === undefined) return refuse(`the installed version "${entry.version}" cannot be compared with ${plugin.version}`, `replace it anyway: graduate gate upgrade ${env} --force`)
    if (order > 0) {
      return refuse(
        `${entry.version} is installed, newer than the ${plugin.version} this graduate ships`,
        `upgrade graduate to a version that ships ${entry.version} or newer, or go back to ${plugin.version}: graduate gate upgrade ${env} --force`,
      )
    }
    if (context.mode === 'install') return refuse(`an older ${entry.version} is installed`, `replace it: graduate gate upgrade ${env}`)
  }
  const inFlight = await gatesInFlight(root, context.commandMs)
  if (inFlight.kind === 'unreadable' && !force) {
    return refuse(`cannot tell whether a graduation is in flight here: ${inFlight.message}`, `check with graduate status ${env}, then replace it anyway: graduate gate upgrade ${env} --force`)
  }
  if (inFlight.kind === 'held') {
    return refuse(
      `a graduation is in flight here (${inFlight.apps.join(', ')}); replacing the plugin now would drop its hold`,
      `wait until it ends (graduate status ${env}), or abort it (graduate abort ${env}), then run this again`,
    )
  }
  return {...base, step: 'replace', reason: `${entry.version} will be replaced by ${plugin.version}`}
}

const looseStatus = z.object({apps: z.array(z.looseObject({app: z.string(), state: z.string(), id: z.string().nullable().optional()}))})

type InFlight = {kind: 'none'} | {kind: 'held'; apps: string[]} | {kind: 'unreadable'; message: string}

/**
 * Apps whose gate is armed or holding a deploy. Read loosely: the installed plugin may speak another
 * protocol than this graduate, and only the states matter here.
 */
async function gatesInFlight(root: RootHost, commandMs: number): Promise<InFlight> {
  try {
    const answer = await root.dokku(gateStatus(), {timeoutMs: commandMs})
    const status = looseStatus.safeParse(JSON.parse(answer.stdout))
    if (!status.success) return {kind: 'unreadable', message: 'graduate:status printed something this graduate cannot read'}
    const claimed = status.data.apps.filter((app) => app.state === 'armed' || app.state === 'held')
    return claimed.length === 0 ? {kind: 'none'} : {kind: 'held', apps: claimed.map((app) => `${app.app} ${app.state}${app.id ? ` by ${app.id}` : ''}`)}
  } catch (error) {
    return {kind: 'unreadable', message: describeFailure(error).reason}
  }
}

/** Uploads and installs (after uninstalling the old one, when replacing), then checks what the host reports. */
async function applyPlan(root: RootHost, plan: GateHostPlan, tarball: Buffer, context: HostContext): Promise<GateHostResult> {
  const {plugin, env} = context
  const before = plan.installed?.version ?? null
  const options = {timeoutMs: context.commandMs}
  let uninstalled = false
  try {
    const upload = await uploadFile(root, tarball, `graduate-gate-${plugin.version}.tgz`, options)
    try {
      if (plan.step === 'replace') {
        await root.dokku(pluginUninstall(GATE_PLUGIN_NAME), options)
        uninstalled = true
      }
      await root.dokku(pluginInstall(`file://${upload.path}`, GATE_PLUGIN_NAME), options)
    } finally {
      await removeUploadDir(root, upload.dir, options)
    }
    await verifyInstalled(root, plugin, options)
  } catch (error) {
    const failure = describeFailure(error)
    return {
      host: plan.host,
      before,
      after: null,
      result: 'failed',
      message: uninstalled ? `the old plugin ${before} was removed but ${plugin.version} did not install, so no deploy can be held here: ${failure.reason}` : failure.reason,
      fix: failure.fix ?? `fix the problem above, then run graduate gate install ${env} again`,
    }
  }
  const order = before === null ? undefined : compareVersions(before, plugin.version)
  const result: GateHostOutcome = before === null ? 'installed' : order === undefined ? 'replaced' : order < 0 ? 'upgraded' : order > 0 ? 'downgraded' : 'reinstalled'
  const message = before === null ? `installed ${plugin.version}` : `${result} ${before} → ${plugin.version}`
  return {host: plan.host, before, after: plugin.version, result, message: `${message} (protocol ${GATE_PROTOCOL})`}
}

/** The host lists this version enabled, with its hold hook, and the plugin answers with this protocol. */
async function verifyInstalled(root: RootHost, plugin: BundledPlugin, options: {timeoutMs: number}): Promise<void> {
  const plugins = parsePluginList((await root.dokku(pluginList(), options)).stdout, pluginList())
  const installed = plugins.find((entry) => entry.name === GATE_PLUGIN_NAME)
  if (installed?.version !== plugin.version || !installed.enabled) {
    throw new Error(`after plugin:install the host lists ${installed ? `${installed.version}${installed.enabled ? '' : ' (disabled)'}` : 'no graduate plugin'}, not ${plugin.version}`)
  }
  if (!plugins.some((entry) => entry.name === GATE_HOOK_PLUGIN_NAME && entry.enabled)) {
    throw new Error(`the plugin's install trigger did not enable ${GATE_HOOK_PLUGIN_NAME}, which holds the deploys`)
  }
  const speaks = parseGateVersion((await root.dokku(gateVersion(), options)).stdout, gateVersion())
  if (speaks.protocol !== GATE_PROTOCOL) throw new Error(`the installed plugin speaks protocol ${speaks.protocol}; this graduate speaks ${GATE_PROTOCOL}`)
}
