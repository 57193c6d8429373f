import type {DokkuCommand} from '../command.js'

/*
 * Builders for the Dokku core commands graduate runs as the dokku user. Reports are always read as
 * `--format json` (a flat object of strings), never by scraping the text layout.
 */

/** Dokku's exit code for an app that does not exist (`verify_app_name`, Go `AppDoesNotExist`). */
export const APP_MISSING_EXIT = 20

const JSON_FORMAT = ['--format', 'json'] as const

/** `dokku version` → `dokku version 0.38.27`. */
export function version(): DokkuCommand {
  return {argv: ['version']}
}

/**
 * Exit 0 when the app exists, 20 when it does not. Use this before anything git-based: a fetch or
 * ls-remote of a missing app creates it (observed §8).
 */
export function appsExists(app: string): DokkuCommand {
  return {argv: ['apps:exists', app], okExitCodes: [0, APP_MISSING_EXIT]}
}

/** Every app on the host as a JSON array of names. */
export function appsList(): DokkuCommand {
  return {argv: ['apps:list', ...JSON_FORMAT]}
}

type ReportingPlugin = 'apps' | 'git' | 'ps' | 'proxy' | 'checks' | 'domains' | 'scheduler' | 'registry'

function report(plugin: ReportingPlugin, app: string): DokkuCommand {
  return {argv: [`${plugin}:report`, app, ...JSON_FORMAT]}
}

/** Deploy source and its metadata (the deployed sha), and whether a deploy holds the lock. */
export function appsReport(app: string): DokkuCommand {
  return report('apps', app)
}

/** Deploy branch and revision variable name. */
export function gitReport(app: string): DokkuCommand {
  return report('git', app)
}

/** Deployed/running state, skip-deploy and the status of each routed container. */
export function psReport(app: string): DokkuCommand {
  return report('ps', app)
}

/** The proxy in effect (`computed-type`). */
export function proxyReport(app: string): DokkuCommand {
  return report('proxy', app)
}

/** Which process types have checks disabled or skipped. */
export function checksReport(app: string): DokkuCommand {
  return report('checks', app)
}

/** The app's domains. */
export function domainsReport(app: string): DokkuCommand {
  return report('domains', app)
}

/** Whether releases are pushed to a registry (push-on-release), which one, the repository and the last tag. */
export function registryReport(app: string): DokkuCommand {
  return report('registry', app)
}

/**
 * Deploy `image` to the app as Dokku's image deploy does: commit a Dockerfile `FROM <image>` on the
 * deploy branch and build it (the release phase and check-deploy run as for a push; a failed deploy
 * rolls the commit back). Exit 1 with "No changes detected" when the branch already names this image
 * (observed §8), so give a digest-pinned reference.
 */
export function gitFromImage(app: string, image: string): DokkuCommand {
  return {argv: ['git:from-image', app, image]}
}

/**
 * The app's scale, `[{"process_type":"web","quantity":2}, …]` (docs/processes/process-management.md): how
 * many containers of each type the next deploy starts. Without process tuples ps:scale only reports.
 */
export function psScaleReport(app: string): DokkuCommand {
  return {argv: ['ps:scale', app, ...JSON_FORMAT]}
}

/** The scheduler in effect; the gate needs docker-local. */
export function schedulerReport(app: string): DokkuCommand {
  return report('scheduler', app)
}

/**
 * The app's config variable names, one per line. `config:keys` prints names only, so values never
 * cross the wire (`config:export`, `config:show` and `config` print values).
 */
export function configKeys(app: string): DokkuCommand {
  return {argv: ['config:keys', app]}
}

/** Installed plugins as JSON; works as the dokku user (only other plugin:* commands need root). */
export function pluginList(): DokkuCommand {
  return {argv: ['plugin:list', ...JSON_FORMAT]}
}

/** The app's build and deploy records, newest first. */
export function buildsList(app: string): DokkuCommand {
  return {argv: ['builds:list', app, ...JSON_FORMAT]}
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A one-off container of the app's current image with its current config: while a deploy is held in
 * the gate that is the NEW image and config (contract §3, `run`). The exit code is the command's.
 *
 * `run` reads its options only up to the app name and passes every later word to the container
 * (plugins/run/internal-functions, `fn-run`). The user's command travels as ONE argument of
 * `/bin/sh -c`, so none of its words reach Dokku's own argument parsing; `/bin/sh` (a path) is never a
 * Procfile key, so the scheduler's Procfile lookup on the first word cannot replace it. `--no-tty`
 * because graduate captures the output. Extra variables go as `--env=K=V`: a lone `-e` would be
 * swallowed by Dokku's SSH parsing (observed §7).
 */
export function run(app: string, command: string, options: {env?: Readonly<Record<string, string>>; ttlSeconds?: number} = {}): DokkuCommand {
  const envArgs = Object.entries(options.env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) {
      throw new RangeError(`\`dokku run\` environment variable name ${JSON.stringify(name)} is not valid: use letters, digits and _`)
    }
    return `--env=${name}=${value}`
  })
  // Dokku stops a one-off container after --ttl-seconds (default a day); a hook that timed out should not linger.
  const ttl = options.ttlSeconds === undefined ? [] : [`--ttl-seconds=${Math.max(1, Math.ceil(options.ttlSeconds))}`]
  return {argv: ['run', '--no-tty', ...ttl, ...envArgs, app, '/bin/sh', '-c', command]}
}
