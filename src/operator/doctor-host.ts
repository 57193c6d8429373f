import {pluginList, version} from '../dokku/commands/core.js'
import {gateVersion} from '../dokku/commands/gate.js'
import {GATE_HOOK_PLUGIN_NAME} from '../dokku/commands/plugin.js'
import {type GateVersion, parseGateVersion} from '../dokku/parse/gate.js'
import {parsePluginList} from '../dokku/parse/lists.js'
import {type DokkuVersion, parseDokkuVersion} from '../dokku/parse/version.js'
import {type HoldVerdict, judgeDokku, judgeGateHook} from '../graduation/hold-rules.js'
import {GATE_PROTOCOL, type HostFactsAnswer} from '../graduation/host-facts.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import type {BundledPlugin} from './bundled-plugin.js'
import {describeFailure} from './describe-failure.js'
import {type DoctorRow, RowSink} from './doctor-rows.js'
import {compareVersions} from './plugin-version.js'

export interface HostCheckContext {
  host: DokkuHost
  /** The environment named in fix commands: the host's first target environment, else its first. */
  env: string
  /** Whether the host serves an environment graduations go into; a host that is only a source needs the gate only for image promotion. */
  target: boolean
  plugin: BundledPlugin
  commandMs: number
  /** What the host's gate answered to `graduate:facts` for its apps, when it was asked; an error if asking failed. */
  survey?: {answer: HostFactsAnswer} | {error: unknown}
}

/**
 * The checks of one connected host: Dokku's version, the gate plugin and its hold hook. Read-only. A gate
 * that answered `graduate:facts` has said all three already; otherwise each is asked on its own.
 */
export async function checkHost(context: HostCheckContext): Promise<DoctorRow[]> {
  const rows = new RowSink({host: context.host.label})
  if (context.survey !== undefined && 'answer' in context.survey && context.survey.answer.kind === 'facts') {
    const {facts} = context.survey.answer
    await guarded(rows, 'dokku', async () => {
      if (facts.dokkuVersion === null) rows.fail('dokku', `cannot tell which Dokku runs here: ${facts.errors.join('; ')}`, `run \`dokku version\` on the host as the dokku user`)
      else dokkuRow(rows, parseDokkuVersion(facts.dokkuVersion, version()))
    })
    gateVersionRow(context, rows, facts)
    gateHookRow(context, rows, facts.gateHook)
    return rows.rows
  }
  const options = {timeoutMs: context.commandMs, readOnly: true}
  await guarded(rows, 'dokku', async () => {
    dokkuRow(rows, parseDokkuVersion((await context.host.run(version(), options)).stdout, version()))
  })
  const installed = await guarded(rows, 'gate plugin', () => checkGatePlugin(context, rows, options))
  if (installed) await guarded(rows, 'gate hook', () => checkGateHook(context, rows, options))
  return rows.rows
}

/** `graduate:version`: present, speaking this graduate's protocol, and not older than the one it ships. */
async function checkGatePlugin(context: HostCheckContext, rows: RowSink, options: {timeoutMs: number; readOnly: boolean}): Promise<boolean> {
  const {env, plugin} = context
  const answer = await context.host.send(gateVersion(), options)
  const output = (answer.stderr || answer.stdout).trim()
  if (answer.exitCode !== 0 && !/is not a dokku command/.test(output)) {
    const line = output.split('\n').filter(Boolean).pop()?.replace(/^\s*!\s+/, '') ?? 'no output'
    rows.fail('gate plugin', `graduate:version exited ${answer.exitCode ?? 'without a status'}: ${line}`, `reinstall the plugin: graduate gate upgrade ${env} --force`)
    return false
  }
  if (answer.exitCode !== 0) {
    const install = `graduate gate install ${env}`
    if (context.target) rows.fail('gate plugin', 'not installed, so no deploy can be held here', install)
    else rows.warn('gate plugin', 'not installed; this host is only a source, where the gate is needed to promote apps deployed from images', install)
    return false
  }
  gateVersionRow(context, rows, parseGateVersion(answer.stdout, gateVersion()))
  return true
}

function dokkuRow(rows: RowSink, dokku: DokkuVersion): void {
  verdictRow(rows, 'dokku', judgeDokku(dokku))
}

function verdictRow(rows: RowSink, check: string, verdict: HoldVerdict): void {
  if (verdict.status === 'ok') rows.ok(check, verdict.found)
  else rows[verdict.status](check, verdict.found, verdict.fix)
}

/** The installed gate: speaking this graduate's protocol, and not older than the one it ships. */
function gateVersionRow(context: HostCheckContext, rows: RowSink, installed: GateVersion): void {
  const {env, plugin} = context
  if (installed.protocol !== GATE_PROTOCOL) {
    rows.fail(
      'gate plugin',
      `${installed.version} speaks protocol ${installed.protocol}; this graduate speaks ${GATE_PROTOCOL}`,
      installed.protocol < GATE_PROTOCOL ? `graduate gate upgrade ${env}` : `upgrade graduate to a version that speaks protocol ${installed.protocol}, or go back to ${plugin.version}: graduate gate upgrade ${env} --force`,
    )
    return
  }
  const order = compareVersions(installed.version, plugin.version)
  if (order !== undefined && order < 0) rows.warn('gate plugin', `${installed.version} (protocol ${installed.protocol}); this graduate ships ${plugin.version}`, `graduate gate upgrade ${env}`)
  else rows.ok('gate plugin', `${installed.version} (protocol ${installed.protocol})`)
}

/** The companion plugin that carries check-deploy after Dokku's own checks (dokku-plugin/PROTOCOL.md). */
async function checkGateHook(context: HostCheckContext, rows: RowSink, options: {timeoutMs: number; readOnly: boolean}): Promise<void> {
  const plugins = parsePluginList((await context.host.run(pluginList(), options)).stdout, pluginList())
  gateHookRow(context, rows, plugins.some((entry) => entry.name === GATE_HOOK_PLUGIN_NAME && entry.enabled))
}

function gateHookRow(context: HostCheckContext, rows: RowSink, enabled: boolean): void {
  verdictRow(rows, 'gate hook', judgeGateHook(enabled, context.env))
}

/** Runs one check; an error it throws becomes that check's failure instead of ending the others. */
async function guarded<T>(rows: RowSink, check: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work()
  } catch (error) {
    const failure = describeFailure(error)
    rows.fail(check, failure.reason, failure.fix)
    return undefined
  }
}
