import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {appsList} from '../dokku/commands/core.js'
import {parseAppsList} from '../dokku/parse/lists.js'
import {UsageError} from '../errors.js'
import {warningsOnStderr} from '../ui/stderr-warnings.js'
import {type HostAddress, formatHostAddress, parseHostString} from '../manifest/host.js'
import {loadManifest} from '../manifest/index.js'
import {appNameProblem, environmentNameProblem} from '../manifest/names.js'
import type {HostSpec} from '../manifest/types.js'
import {withSession} from '../session.js'
import {type TemplateEnvironment, manifestTemplate} from './manifest-template.js'

export interface InitRequest {
  /** Where to write the manifest. */
  manifestPath: string
  /** `name=[user@]host[:port]`, in chain order. */
  environments: string[]
  identityFile?: string | undefined
  knownHostsFile?: string | undefined
  force: boolean
  /** --accept-new-host-keys: an unknown host key is accepted and recorded (a changed one never is). */
  acceptNewHostKeys?: boolean
}

export interface InitReport {
  manifest: string
  environments: Array<{name: string; host: string; apps: string[]}>
  /** The apps every environment has: the manifest's apps. */
  apps: string[]
  /** Per environment, the apps left out because not every environment has them. */
  leftOut: Array<{env: string; apps: string[]}>
  /** App names a manifest cannot take (Dokku's older rules allowed `_`). */
  unusableNames: string[]
}

// The manifest's own defaults for options.timeouts.connect and .command.
const CONNECT_TIMEOUT_MS = 20_000
const COMMAND_TIMEOUT_MS = 120_000

/**
 * `graduate init`: connects to each environment's host with the same strict host-key checks as every
 * command, lists its apps (`apps:list`), and writes a commented manifest whose apps are those every
 * environment has. The file is checked with the manifest loader before it replaces anything.
 */
export async function initManifest(request: InitRequest): Promise<InitReport> {
  const environments = parseEnvironments(request.environments)
  const target = path.resolve(request.manifestPath)
  if (fs.existsSync(target) && !request.force) {
    throw new UsageError(`${request.manifestPath} already exists`, 'pass --force to replace it, or write elsewhere with -m <path>')
  }
  if (!fs.existsSync(path.dirname(target))) throw new UsageError(`the directory of ${request.manifestPath} does not exist`, 'create it first, or write elsewhere with -m <path>')
  const identityFile = request.identityFile === undefined ? undefined : path.resolve(request.identityFile)
  const knownHostsFile = request.knownHostsFile === undefined ? undefined : path.resolve(request.knownHostsFile)
  const specs = environments.map(({address}) => ({
    ...(address.user === undefined ? {} : {user: address.user}),
    host: address.hostname,
    ...(address.port === undefined ? {} : {port: address.port}),
    ...(identityFile === undefined ? {} : {identityFile}),
    ...(knownHostsFile === undefined ? {} : {knownHostsFile}),
    display: formatHostAddress({user: address.user ?? 'dokku', hostname: address.hostname, port: address.port ?? 22}),
  })) satisfies HostSpec[]

  const listed = await listApps(specs, request.acceptNewHostKeys === true)
  const common = listed[0]!.filter((app) => listed.every((apps) => apps.includes(app)))
  const apps = common.filter((app) => appNameProblem(app) === undefined)
  const unusableNames = common.filter((app) => appNameProblem(app) !== undefined)
  if (apps.length === 0) {
    throw new UsageError(
      `no app exists in every environment (${environments.map((env, index) => `${env.name}: ${listed[index]!.join(', ') || 'no apps'}`).join('; ')})`,
      'create the apps on each host first (dokku apps:create <app>), or write the manifest by hand with each environment\'s app names (see graduate.yml in the README)',
    )
  }
  const leftOut = environments.map((env, index) => ({env: env.name, apps: listed[index]!.filter((app) => !common.includes(app))}))
  const templateEnvironments: TemplateEnvironment[] = environments.map((env) => ({
    name: env.name,
    host: env.host,
    ...(identityFile === undefined ? {} : {identityFile: manifestRelative(identityFile, path.dirname(target))}),
    ...(knownHostsFile === undefined ? {} : {knownHostsFile: manifestRelative(knownHostsFile, path.dirname(target))}),
  }))
  const text = manifestTemplate({environments: templateEnvironments, apps, leftOut, unusableNames, writtenAt: new Date().toISOString().slice(0, 10)})
  await writeChecked(target, text)
  return {
    manifest: request.manifestPath,
    environments: environments.map((env, index) => ({name: env.name, host: specs[index]!.display, apps: listed[index]!})),
    apps,
    leftOut,
    unusableNames,
  }
}

interface EnvironmentArgument {
  name: string
  host: string
  address: HostAddress
}

/** `--env name=host` values, checked as the manifest would check them. */
function parseEnvironments(values: string[]): EnvironmentArgument[] {
  if (values.length < 2) {
    throw new UsageError(
      `graduate init needs at least two environments, in promotion order; got ${values.length}`,
      'e.g. graduate init --env dev=dokku@dev.example.com --env production=dokku@prod.example.com',
    )
  }
  const seen = new Set<string>()
  return values.map((value) => {
    const equals = value.indexOf('=')
    if (equals <= 0) throw new UsageError(`--env ${JSON.stringify(value)} is not name=host`, 'write each environment as --env <name>=[user@]host[:port], e.g. --env production=dokku@prod.example.com')
    const name = value.slice(0, equals)
    const host = value.slice(equals + 1)
    const nameProblem = environmentNameProblem(name)
    if (nameProblem !== undefined) throw new UsageError(`--env ${value}: ${nameProblem}`)
    if (seen.has(name)) throw new UsageError(`--env ${name} is given twice`, 'name each environment once, in promotion order')
    seen.add(name)
    const address = parseHostString(host)
    if (!address.ok) throw new UsageError(`--env ${value}: ${address.problem}`)
    return {name, host, address: address.address}
  })
}

/** `apps:list` on each environment's host (a host shared by environments is asked once). */
async function listApps(specs: HostSpec[], acceptNewHostKeys: boolean): Promise<string[][]> {
  return withSession({bus: warningsOnStderr('init', '-'), connectTimeoutMs: CONNECT_TIMEOUT_MS, acceptNewHostKeys}, async (hosts) => {
    await hosts.connectAll(specs)
    const answers = new Map<string, Promise<string[]>>()
    return await Promise.all(
      specs.map((spec) => {
        const host = hosts.get(spec)
        let apps = answers.get(host.label)
        if (apps === undefined) {
          apps = host.run(appsList(), {timeoutMs: COMMAND_TIMEOUT_MS, readOnly: true}).then((result) => parseAppsList(result.stdout, appsList()))
          answers.set(host.label, apps)
        }
        return apps
      }),
    )
  })
}

/**
 * A path as the manifest should carry it to another machine: `./…` beside the manifest (which resolves
 * it from its own directory), `~/…` in the home directory, else absolute.
 */
function manifestRelative(file: string, manifestDir: string): string {
  const inside = (dir: string) => {
    const relative = path.relative(dir, file)
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : undefined
  }
  const besideManifest = inside(manifestDir)
  if (besideManifest !== undefined) return `./${besideManifest.split(path.sep).join('/')}`
  const inHome = inside(os.homedir())
  return inHome === undefined ? file : `~/${inHome.split(path.sep).join('/')}`
}

/** Writes beside the target, loads it as a manifest, and only then puts it in place. */
async function writeChecked(target: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(4).toString('hex')}.yml`)
  fs.writeFileSync(temporary, text, {flag: 'wx'})
  try {
    await loadManifest(temporary)
    fs.renameSync(temporary, target)
  } catch (error) {
    fs.rmSync(temporary, {force: true})
    throw error
  }
}
