import type {BundledPlugin} from './bundled-plugin.js'
import type {GateHostPlan, GateInstallReport} from './gate-install.js'

/** One line per host: what it got (or why not), and the fix under a refusal or failure. */
export function renderGateInstall(report: GateInstallReport): string {
  const lines = [`graduate gate ${report.bundled.version} (protocol ${report.bundled.protocol}) on the hosts of ${report.env}:`]
  const width = Math.max(...report.hosts.map((host) => host.host.length))
  for (const host of report.hosts) {
    const label = host.result === 'unchanged' || host.result === 'refused' || host.result === 'failed' || host.result === 'skipped' ? `${host.result}: ` : ''
    lines.push(`  ${host.host.padEnd(width)}  ${label}${host.message}`)
    if (host.fix) lines.push(`  ${' '.repeat(width)}  fix: ${host.fix}`)
  }
  return `${lines.join('\n')}\n`
}

/** The question asked before any host changes: which hosts get the plugin, and which have it replaced. */
export function gateInstallQuestion(plans: GateHostPlan[], plugin: BundledPlugin): string {
  const changes = plans.flatMap((plan) =>
    plan.step === 'install' ? [`${plan.host} (new)`] : plan.step === 'replace' ? [`${plan.host} (replaces ${plan.installed?.version ?? '?'}; its deploys are not held while it is replaced)`] : [],
  )
  return `Install the graduate gate plugin ${plugin.version} as root on ${changes.join(', ')}?`
}
