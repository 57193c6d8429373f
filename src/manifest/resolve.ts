import {UsageError} from '../errors.js'
import {hostIdentity} from './host.js'
import type {HookPhase} from './schema.js'
import {closestMatch, suggestion} from './suggest.js'
import type {AppLocation, HostSpec, Manifest, ManifestHook, ResolvedEnvironment, ResolvedGraduation, ResolvedHook} from './types.js'

/**
 * The graduation `from` → `to` in concrete terms: each app's source and target, the hooks that
 * apply when graduating into `to`, and the environments jumped over (allowed; the plan warns).
 */
export function resolveGraduation(manifest: Manifest, from: string, to: string, options: {only?: string[]} = {}): ResolvedGraduation {
  const fromIndex = environmentIndex(manifest, from)
  const toIndex = environmentIndex(manifest, to)
  const chain = manifest.chain.join(' → ')
  if (fromIndex === toIndex) {
    throw new UsageError(`${from} is both the source and the target; graduate from one environment into a later one`, `the chain is ${chain}`)
  }
  if (toIndex < fromIndex) {
    throw new UsageError(
      `cannot graduate ${from} into ${to}: promotion goes forward along the chain ${chain}`,
      `did you mean \`graduate ${to} ${from}\`? To go back to an earlier release, use \`graduate rollback ${to}\``,
    )
  }
  const apps = selectApps(manifest, options.only).map((name) => ({
    name,
    source: location(manifest, from, name),
    target: location(manifest, to, name),
    ...(manifest.strategies[name] === undefined ? {} : {strategy: manifest.strategies[name]}),
  }))
  return {
    manifestPath: manifest.path,
    from,
    to,
    skipped: manifest.chain.slice(fromIndex + 1, toIndex),
    apps,
    hooks: hooksInto(manifest, to),
    driftAllowed: Object.fromEntries(apps.map((app) => [app.name, [...new Set([...manifest.drift.global, ...(manifest.drift.apps[app.name] ?? [])])]])),
    options: manifest.options,
  }
}

/**
 * `graduate rollback <env>` in the same terms: each app is its own source (the revision comes from a
 * record of the environment, not from another environment), with the hooks that apply to `env`.
 */
export function resolveRollback(manifest: Manifest, env: string, options: {only?: string[]} = {}): ResolvedGraduation {
  environmentIndex(manifest, env)
  const apps = selectApps(manifest, options.only).map((name) => ({name, source: location(manifest, env, name), target: location(manifest, env, name)}))
  return {
    manifestPath: manifest.path,
    from: env,
    to: env,
    skipped: [],
    apps,
    hooks: hooksInto(manifest, env),
    driftAllowed: Object.fromEntries(apps.map((app) => [app.name, []])),
    options: manifest.options,
  }
}

function hooksInto(manifest: Manifest, env: string): Record<HookPhase, ResolvedHook[]> {
  const hooksFor = (phase: HookPhase): ResolvedHook[] =>
    manifest.hooks
      .filter((hook) => hook.phase === phase && (hook.environments === undefined || hook.environments.includes(env)))
      .map((hook) => resolveHook(manifest, hook, env))
  return {pre: hooksFor('pre'), post: hooksFor('post'), rollback: hooksFor('rollback'), released: hooksFor('released'), aborted: hooksFor('aborted')}
}

/** One environment's apps and hosts, for commands about a single environment (status, abort, history…). */
export function resolveEnvironment(manifest: Manifest, environment: string): ResolvedEnvironment {
  environmentIndex(manifest, environment) // throws for an unknown environment
  const apps = manifest.apps.map((name) => ({name, ...location(manifest, environment, name)}))
  const hosts = new Map<string, HostSpec>()
  for (const {host} of apps) {
    const identity = hostIdentity(host)
    if (!hosts.has(identity)) hosts.set(identity, host)
  }
  return {manifestPath: manifest.path, name: environment, apps, hosts: [...hosts.values()], options: manifest.options}
}

function environmentIndex(manifest: Manifest, environment: string): number {
  const index = manifest.chain.indexOf(environment)
  if (index === -1) {
    throw new UsageError(
      `unknown environment ${JSON.stringify(environment)}; ${suggestion(environment, manifest.chain, 'expected one of')}`,
      `${manifest.displayPath} defines ${manifest.chain.join(' → ')}`,
    )
  }
  return index
}

function selectApps(manifest: Manifest, only: string[] | undefined): string[] {
  if (only === undefined) return manifest.apps
  if (only.length === 0) throw new UsageError('--only names no app', `name one or more of: ${manifest.apps.join(', ')}`)
  const unknown = only.filter((app) => !manifest.apps.includes(app))
  if (unknown.length > 0) {
    const described = unknown.map((app) => {
      const match = closestMatch(app, manifest.apps)
      return match === undefined ? app : `${app} (did you mean ${match}?)`
    })
    throw new UsageError(`--only names apps that are not in the manifest: ${described.join(', ')}`, `the apps are: ${manifest.apps.join(', ')}`)
  }
  // Manifest order, so output and deploy order do not depend on how the flag was typed.
  return manifest.apps.filter((app) => only.includes(app))
}

function location(manifest: Manifest, environment: string, app: string): AppLocation {
  const found = manifest.locations[environment]?.[app]
  // Callers pass an environment from the chain and an app from the manifest, and loading placed every pair.
  if (found === undefined) throw new Error(`internal: ${app} has no location in ${environment}`)
  return found
}

function resolveHook(manifest: Manifest, hook: ManifestHook, to: string): ResolvedHook {
  const {action} = hook
  return {
    label: hook.label,
    phase: hook.phase,
    timeoutMs: hook.timeoutMs,
    action: action.kind === 'run' ? {...action, target: location(manifest, to, action.app)} : action,
  }
}
