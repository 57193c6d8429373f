import {homedir} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'

import {SSH_DEFAULT_PORT, formatHostAddress, hostIdentity} from './host.js'
import type {PathIssue, PathSegment} from './issues.js'
import {HOOK_PHASES, type EnvironmentInput, type HostInput, type ManifestContent} from './schema.js'
import type {AppLocation, HostSpec, Manifest, ManifestHook} from './types.js'

/** Dokku's SSH user, shown when the manifest leaves the user to ~/.ssh/config. */
const DOKKU_USER = 'dokku'

export interface ManifestFile {
  path: string
  displayPath: string
  directory: string
}

/**
 * Turns validated content into the Manifest the rest of graduate reads: every app placed on a
 * host in every environment, key paths made absolute, hooks with their timeouts. It also reports
 * the one problem visible only once apps are placed: two of them landing on the same Dokku app.
 */
export function assembleManifest(content: ManifestContent, file: ManifestFile): {manifest: Manifest; issues: PathIssue[]} {
  const chain = Object.keys(content.environments)
  const apps = Object.keys(content.apps)
  const locations: Manifest['locations'] = {}
  const placed: Placement[] = []
  for (const environmentName of chain) {
    const environment = content.environments[environmentName] as EnvironmentInput
    locations[environmentName] = {}
    for (const app of apps) {
      const placement = placeApp(environment, environmentName, app, file.directory)
      locations[environmentName][app] = placement.location
      placed.push(placement)
    }
  }

  const {timeouts} = content.options
  const manifest: Manifest = {
    ...file,
    chain,
    apps,
    locations,
    hooks: HOOK_PHASES.flatMap((phase) =>
      content.hooks[phase].map(
        (hook): ManifestHook => ({
          label: hook.label,
          phase,
          timeoutMs: hook.timeoutMs ?? timeouts.hook,
          environments: hook.environments,
          action:
            hook.action.kind === 'ssh'
              ? {kind: 'ssh', command: hook.action.command, host: hostSpec(hook.action.host, {}, file.directory, undefined)}
              : hook.action.kind === 'local'
                ? {kind: 'local', command: hook.action.command, cwd: file.directory}
                : hook.action,
        }),
      ),
    ),
    strategies: Object.fromEntries(
      Object.entries(content.apps).flatMap(([app, settings]) => (settings.strategy === undefined ? [] : [[app, settings.strategy] as const])),
    ),
    drift: {
      global: content.drift.allow,
      apps: Object.fromEntries(Object.entries(content.apps).map(([app, settings]) => [app, settings.drift.allow])),
    },
    options: {
      concurrency: content.options.concurrency,
      leaseMs: content.options.lease,
      timeouts: {
        connectMs: timeouts.connect,
        commandMs: timeouts.command,
        deployMs: timeouts.deploy,
        holdMs: timeouts.hold,
        hookMs: timeouts.hook,
        switchMs: timeouts.switch,
      },
    },
  }
  return {manifest, issues: sharedDokkuApps(placed)}
}

interface Placement {
  environment: string
  app: string
  location: AppLocation
  /** The manifest entry that decided where the app went, to point at when it collides. */
  decidedBy: PathSegment[]
}

function placeApp(environment: EnvironmentInput, environmentName: string, app: string, directory: string): Placement {
  const override = environment.apps[app] ?? {}
  const host = override.host ?? environment.host
  if (host === undefined) {
    // checkReferences reports this before assembly; reaching here means the two disagree.
    throw new Error(`internal: ${environmentName}.${app} has no host although the manifest validated`)
  }
  const overridePath = ['environments', environmentName, 'apps', app]
  return {
    environment: environmentName,
    app,
    location: {host: hostSpec(host, environment, directory, DOKKU_USER), app: override.name ?? app},
    decidedBy:
      override.name !== undefined
        ? [...overridePath, 'name']
        : override.host !== undefined
          ? [...overridePath, 'host']
          : ['environments', environmentName, 'host'],
  }
}

/** Two apps, in one environment or two, that would deploy onto the same Dokku app. */
function sharedDokkuApps(placements: Placement[]): PathIssue[] {
  const owners = new Map<string, Placement>()
  const issues: PathIssue[] = []
  for (const placement of placements) {
    const {host, app} = placement.location
    const identity = `${hostIdentity(host)}/${app}`
    const owner = owners.get(identity)
    if (owner === undefined) {
      owners.set(identity, placement)
      continue
    }
    issues.push({
      path: placement.decidedBy,
      at: 'value',
      message:
        `${placement.app} would deploy to Dokku app ${app} on ${host.display}, which ${owner.app} already deploys to in ${owner.environment}; ` +
        `each app needs its own Dokku app, so give ${placement.app} a different name or host in ${placement.environment}`,
    })
  }
  return issues
}

function hostSpec(
  input: HostInput,
  defaults: {identityFile?: string | undefined; knownHostsFile?: string | undefined},
  directory: string,
  displayUser: string | undefined,
): HostSpec {
  const identityFile = input.identityFile ?? defaults.identityFile
  const knownHostsFile = input.knownHostsFile ?? defaults.knownHostsFile
  return {
    host: input.hostname,
    ...(input.user === undefined ? {} : {user: input.user}),
    ...(input.port === undefined ? {} : {port: input.port}),
    ...(identityFile === undefined ? {} : {identityFile: absolutePath(identityFile, directory)}),
    ...(knownHostsFile === undefined ? {} : {knownHostsFile: absolutePath(knownHostsFile, directory)}),
    display: formatHostAddress({user: input.user ?? displayUser, hostname: input.hostname, port: input.port ?? SSH_DEFAULT_PORT}),
  }
}

/** `~` is the home directory; anything else relative starts at the manifest's directory. */
function absolutePath(path: string, directory: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/')) return join(homedir(), path.slice(2))
  return isAbsolute(path) ? path : resolve(directory, path)
}
