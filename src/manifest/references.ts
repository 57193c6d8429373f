import {explainUnsafeArgument} from '../dokku/quote.js'
import type {PathIssue} from './issues.js'
import {HOOK_PHASES} from './schema.js'
import {closestMatch, suggestion} from './suggest.js'

/**
 * Checks that tie one part of the manifest to another: enough environments and apps, every app
 * with a host in every environment, and names that refer to apps or environments that exist.
 *
 * They read the raw data rather than the schema's output, so they run even when the schema found
 * problems elsewhere and every problem is reported in one pass. A part of the wrong shape is
 * skipped here; the schema reports it.
 */
export function checkReferences(manifest: unknown): PathIssue[] {
  const root = asMap(manifest)
  if (root === undefined) return []
  const environments = asMap(root.environments)
  const apps = asMap(root.apps)
  const environmentNames = environments === undefined ? undefined : Object.keys(environments)
  const appNames = apps === undefined ? undefined : Object.keys(apps)
  const issues: PathIssue[] = []

  if (environmentNames !== undefined && environmentNames.length < 2) {
    issues.push({
      path: ['environments'],
      at: 'value',
      message:
        environmentNames.length === 0
          ? 'lists no environments; add at least two in promotion order, e.g. staging: and production:'
          : `lists only ${JSON.stringify(environmentNames[0])}; a graduation needs at least two environments, a source and a target`,
    })
  }
  if (appNames !== undefined && appNames.length === 0) {
    issues.push({path: ['apps'], at: 'value', message: 'lists no apps; add at least one, e.g. "api:"'})
  }
  if (environments !== undefined) issues.push(...checkEnvironments(environments, appNames))
  if (environmentNames !== undefined || appNames !== undefined) {
    issues.push(...checkHooks(asMap(root.hooks), environmentNames, appNames))
  }
  return issues
}

function checkEnvironments(environments: Record<string, unknown>, appNames: string[] | undefined): PathIssue[] {
  const issues: PathIssue[] = []
  for (const [name, value] of Object.entries(environments)) {
    // An empty environment (`staging:`) is valid YAML for "no settings", so it is treated as one.
    const environment = value === null ? {} : asMap(value)
    if (environment === undefined) continue
    const overrides = asMap(environment.apps) ?? {}
    if (appNames !== undefined) {
      for (const app of Object.keys(overrides)) {
        if (!appNames.includes(app)) {
          issues.push({
            path: ['environments', name, 'apps', app],
            at: 'key',
            message: `${JSON.stringify(app)} is not one of the apps; ${suggestion(app, appNames, 'the apps are')}`,
          })
        }
      }
      if (!writesHost(environment)) {
        const homeless = appNames.filter((app) => !writesHost(asMap(overrides[app]) ?? {}))
        if (homeless.length > 0) issues.push(missingHost(name, homeless, appNames.length))
      }
    }
  }
  return issues
}

function missingHost(environment: string, homeless: string[], appCount: number): PathIssue {
  const which = homeless.length === appCount ? 'any app' : `${homeless.length === 1 ? 'app' : 'apps'} ${homeless.join(', ')}`
  return {
    path: ['environments', environment],
    at: 'key',
    message:
      `has no host for ${which}; add host: dokku@host:22 to ${environment}, ` +
      `or give each app its own under environments.${environment}.apps.<app>.host`,
  }
}

function checkHooks(hooks: Record<string, unknown> | undefined, environmentNames: string[] | undefined, appNames: string[] | undefined): PathIssue[] {
  const issues: PathIssue[] = []
  for (const phase of HOOK_PHASES) {
    const list = hooks?.[phase]
    if (!Array.isArray(list)) continue
    list.forEach((value: unknown, index) => {
      const hook = asMap(value)
      if (hook === undefined) return
      const run = asMap(hook.run)
      const app = run?.app
      // A run command travels to Dokku as one argument of /bin/sh -c; what Dokku's SSH parsing would
      // change (a newline, a lone -n, --trace…) is refused here, before any host is contacted.
      const unsafe = typeof run?.command === 'string' ? explainUnsafeArgument(run.command) : undefined
      if (unsafe !== undefined) {
        issues.push({
          path: ['hooks', phase, index, 'run', 'command'],
          at: 'value',
          message: `cannot be sent through Dokku: ${unsafe}; put the steps in a script in the image and run that`,
        })
      }
      if (appNames !== undefined && typeof app === 'string' && !appNames.includes(app)) {
        issues.push({
          path: ['hooks', phase, index, 'run', 'app'],
          at: 'value',
          message: `${JSON.stringify(app)} is not one of the apps; ${suggestion(app, appNames, 'the apps are')}`,
        })
      }
      if (environmentNames !== undefined && Array.isArray(hook.environments)) {
        hook.environments.forEach((environment: unknown, position) => {
          const problem = typeof environment === 'string' ? environmentFilterProblem(environment, environmentNames) : undefined
          if (problem !== undefined) issues.push({path: ['hooks', phase, index, 'environments', position], at: 'value', message: problem})
        })
      }
    })
  }
  return issues
}

function environmentFilterProblem(environment: string, environmentNames: string[]): string | undefined {
  if (!environmentNames.includes(environment)) {
    return `${JSON.stringify(environment)} is not an environment of this manifest; ${suggestion(environment, environmentNames, 'the environments are')}`
  }
  if (environment === environmentNames[0]) {
    return `${JSON.stringify(environment)} is the first environment, so nothing graduates into it and this hook would never run`
  }
  return undefined
}

/**
 * Whether the map tries to give a host. An empty `host:` or a misspelt `hots:` is the schema's to
 * report; calling the host missing as well would send the reader after a second problem.
 */
function writesHost(map: Record<string, unknown>): boolean {
  return Object.keys(map).some((key) => closestMatch(key, ['host']) !== undefined)
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}
