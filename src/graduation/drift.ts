import type {AppFacts} from './app-facts.js'

/**
 * How a target app differs from its source beyond the code: config names (never values) present on
 * one side only, process scale, checks settings, proxy type, domains. Config keys the source has and
 * the target lacks stop a graduation unless allowed: new code that reads a variable production does
 * not set is the commonest way a promotion breaks.
 */
export interface AppDrift {
  /** In the source's config, not in the target's: the new code may need them. */
  missingInTarget: string[]
  /** The subset of missingInTarget the manifest (or --accept-drift) allows. */
  allowed: string[]
  /** In the target's config, not in the source's. */
  missingInSource: string[]
  scale: Array<{proc: string; source: number; target: number}>
  checks?: {source: string; target: string}
  proxy?: {source: string; target: string}
  /** Whether each side has domains of its own (beyond Dokku's default `<app>.<global domain>`); names differ by design. */
  domains?: {source: boolean; target: boolean}
}

/** Variables Dokku itself keeps in an app's config, which differ between environments by design. */
function comparable(key: string, revEnvVar: string): boolean {
  return !key.startsWith('DOKKU_') && key !== revEnvVar && key !== 'GIT_REV'
}

export function computeDrift(source: AppFacts, target: AppFacts, allow: readonly string[]): AppDrift {
  const sourceKeys = source.configKeys.filter((key) => comparable(key, source.revEnvVar))
  const targetKeys = target.configKeys.filter((key) => comparable(key, target.revEnvVar))
  const missingInTarget = sourceKeys.filter((key) => !targetKeys.includes(key)).sort()
  const drift: AppDrift = {
    missingInTarget,
    allowed: missingInTarget.filter((key) => allow.includes(key)),
    missingInSource: targetKeys.filter((key) => !sourceKeys.includes(key)).sort(),
    scale: [],
  }
  if (source.processes && target.processes) {
    for (const proc of [...new Set([...Object.keys(source.processes), ...Object.keys(target.processes)])].sort()) {
      const from = source.processes[proc] ?? 0
      const to = target.processes[proc] ?? 0
      if (from !== to) drift.scale.push({proc, source: from, target: to})
    }
  }
  const checksOf = (facts: AppFacts) => `disabled: ${facts.checksDisabled?.join(',') || 'none'}; skipped: ${facts.checksSkipped?.join(',') || 'none'}`
  if (source.checksDisabled && target.checksDisabled && checksOf(source) !== checksOf(target)) drift.checks = {source: checksOf(source), target: checksOf(target)}
  if (source.proxyType && target.proxyType && source.proxyType !== target.proxyType) drift.proxy = {source: source.proxyType, target: target.proxyType}
  if (source.customDomains && target.customDomains && source.customDomains.length > 0 !== target.customDomains.length > 0) {
    drift.domains = {source: source.customDomains.length > 0, target: target.customDomains.length > 0}
  }
  return drift
}

/** Keys that block the graduation: missing in the target and not allowed. */
export function blockingKeys(drift: AppDrift): string[] {
  return drift.missingInTarget.filter((key) => !drift.allowed.includes(key))
}

export function hasDrift(drift: AppDrift): boolean {
  return drift.missingInTarget.length + drift.missingInSource.length + drift.scale.length > 0 || drift.checks !== undefined || drift.proxy !== undefined || drift.domains !== undefined
}
