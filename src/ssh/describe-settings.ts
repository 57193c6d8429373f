import {displayPath} from './display-path.js'
import type {ConnectionSettings} from './settings.js'

/**
 * How graduate will reach a host, one fact a line, for `--verbose` and `graduate doctor`. Paths and
 * choices only: never key material or passphrases.
 */
export function describeSettings(settings: ConnectionSettings): string[] {
  const lines = [`${settings.label}: ${destination(settings)}`]
  for (const hop of settings.jumpHosts) lines.push(`  via ${hop.label}: ${destination(hop)}; ${keys(hop)}; ${knownHosts(hop)}`)
  lines.push(`  ${keys(settings)}`, `  ${knownHosts(settings)}`)
  lines.push(`  unknown host keys: ${settings.acceptNewHostKeys ? `accepted and recorded (${settings.hostKeyPolicy})` : `refused (${settings.hostKeyPolicy})`}`)
  if (settings.configFiles.length > 0) lines.push(`  ssh config read: ${settings.configFiles.map((file) => displayPath(file)).join(', ')}`)
  for (const problem of [...settings.problems, ...settings.jumpHosts.flatMap((hop) => hop.problems.map((text) => `${hop.label}: ${text}`))]) {
    lines.push(`  cannot honour: ${problem}`)
  }
  return lines
}

function destination(settings: ConnectionSettings): string {
  const from = (origin: string) => (origin === 'default' ? '' : ` (${origin})`)
  return `host ${settings.host}${from(settings.origins.host)}, port ${settings.port}${from(settings.origins.port)}, user ${settings.user}${from(settings.origins.user)}`
}

function keys(settings: ConnectionSettings): string {
  const files = settings.identityFiles.map((file) => displayPath(file))
  const agent = settings.agentSocket === undefined ? 'no ssh-agent' : `ssh-agent at ${displayPath(settings.agentSocket)}`
  return `keys: ${agent}; ${files.length === 0 ? 'no key file' : files.join(', ')}${settings.identitiesOnly ? ' (IdentitiesOnly: only these, also from the agent)' : ''}`
}

function knownHosts(settings: ConnectionSettings): string {
  const files = [...settings.knownHostsFiles, ...settings.globalKnownHostsFiles].map((file) => displayPath(file))
  const alias = settings.hostKeyAlias === undefined ? '' : ` as ${settings.hostKeyAlias}`
  return `host key checked${alias} against ${files.join(', ')}${settings.hashKnownHosts ? '; new entries hashed' : ''}`
}
