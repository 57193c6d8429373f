import {z} from 'zod'

import {DURATION_EXPECTED, DURATION_PATTERN, parseDuration} from './duration.js'
import {expected} from './expectation.js'
import {
  HOST_EXPECTED,
  HOST_STRING_EXPECTED,
  HOST_STRING_PATTERN,
  HOSTNAME_PATTERN,
  PORT_EXPECTED,
  USER_PATTERN,
  parseHostString,
  type HostAddress,
} from './host.js'
import {DOKKU_APP_NAME_PATTERN, ENVIRONMENT_NAME_PATTERN, appNameProblem, environmentNameProblem} from './names.js'
import {RESERVED_ENVIRONMENT_NAMES, isReservedEnvironmentName} from './reserved.js'

/**
 * The manifest's zod schema: the one source for validation, the TypeScript types, the JSON Schema
 * editors use and the descriptions in both. Objects are strict, so a misspelt key is an error.
 */

export const HOOK_PHASES = ['pre', 'post', 'rollback', 'released', 'aborted'] as const
export type HookPhase = (typeof HOOK_PHASES)[number]

const HOOK_KINDS = ['local', 'run', 'ssh'] as const

/** A host as written, in either form. */
export interface HostInput extends HostAddress {
  identityFile?: string
  knownHostsFile?: string
}

/**
 * Editors check the file before graduate interpolates it, so in the JSON Schema a value holding
 * `${` passes the pattern; graduate checks the interpolated value against the real one.
 */
function interpolatable(pattern: RegExp): {pattern: string} {
  return {pattern: `${pattern.source}|\\$\\{`}
}

function text(what: string) {
  return z.string({error: expected(what)}).min(1, {error: expected(what)})
}

/** Integers may also come as digit strings, so `port: ${SSH_PORT}` works after interpolation. */
function wholeNumber(min: number, max: number, what: string) {
  const error = expected(what)
  const range = () => z.int({error}).min(min, {error}).max(max, {error})
  const digits = /^\d+$/
  return z.union([range(), z.string().regex(digits, {error}).meta(interpolatable(digits)).transform(Number).pipe(range())], {error})
}

const durationError = expected(DURATION_EXPECTED)
const duration = z
  .union(
    [z.number({error: durationError}), z.string().regex(DURATION_PATTERN, {error: durationError}).meta(interpolatable(DURATION_PATTERN))],
    {error: durationError},
  )
  .transform((value, context) => {
    const parsed = parseDuration(value)
    if (parsed.ok) return parsed.ms
    context.issues.push({code: 'custom', message: parsed.problem, input: value})
    return z.NEVER
  })
  .meta({id: 'GraduateDuration', description: 'a duration like 90s, 10m, 1h30m or 500ms, or a number of seconds'})

const filePath = text('a file path; ~ is your home directory, a relative path starts at the manifest')

const port = wholeNumber(1, 65_535, PORT_EXPECTED).meta({description: 'SSH port; default 22, or what ~/.ssh/config says'})

const hostString = z
  .string()
  .regex(HOST_STRING_PATTERN, {error: expected(HOST_STRING_EXPECTED)})
  .meta(interpolatable(HOST_STRING_PATTERN))
  .transform((value, context): HostInput => {
    const parsed = parseHostString(value)
    if (parsed.ok) return parsed.address
    context.issues.push({code: 'custom', message: parsed.problem, input: value})
    return z.NEVER
  })
  .meta({description: '"[user@]host[:port]", e.g. dokku@dokku.example.com:22; host may be an alias from ~/.ssh/config'})

const hostObject = z
  .strictObject({
    hostname: z
      .string({error: expected('the host name or address, like prod-1.example.com')})
      .regex(HOSTNAME_PATTERN, {error: expected('a host name or address, like prod-1.example.com')})
      .meta(interpolatable(HOSTNAME_PATTERN))
      .meta({description: 'host name, IP address, or an alias from ~/.ssh/config'}),
    user: z
      .string({error: expected('an SSH user name, like dokku')})
      .regex(USER_PATTERN, {error: expected('an SSH user name, like dokku')})
      .meta(interpolatable(USER_PATTERN))
      .optional()
      .meta({description: 'SSH user; default dokku, or what ~/.ssh/config says'}),
    port: port.optional(),
    identityFile: filePath.optional().meta({description: "private key for this host; overrides the environment's identityFile"}),
    knownHostsFile: filePath.optional().meta({description: "known_hosts file for this host; overrides the environment's knownHostsFile"}),
  })
  .meta({description: 'a host in long form'})

const host = z
  .union([hostString, hostObject], {error: expected(HOST_EXPECTED)})
  .meta({id: 'GraduateHost', description: 'an SSH host: "[user@]host[:port]" or {hostname, user, port, identityFile, knownHostsFile}'})

const appName = z
  .string({error: expected('a Dokku app name')})
  .regex(DOKKU_APP_NAME_PATTERN, {error: (issue) => appNameProblem(String(issue.input))})

const environmentName = z
  .string()
  .regex(ENVIRONMENT_NAME_PATTERN, {error: (issue) => environmentNameProblem(String(issue.input))})
  .refine((name) => !isReservedEnvironmentName(name), {error: (issue) => environmentNameProblem(String(issue.input))})
  .meta({not: {enum: [...RESERVED_ENVIRONMENT_NAMES]}})

const appOverride = z
  .strictObject({
    name: appName
      .meta(interpolatable(DOKKU_APP_NAME_PATTERN))
      .optional()
      .meta({description: "the Dokku app's name in this environment; default: the app's manifest name"}),
    host: host.optional().meta({description: "this app's host in this environment; default: the environment's host"}),
  }, {error: expected('a map with name and host')})
  .nullable()
  .transform((override) => override ?? {})
  .meta({description: 'where this app lives in this environment, when it differs from the defaults'})

const environment = z
  .strictObject({
    host: host.optional().meta({description: "the Dokku host of this environment's apps: dokku@host:22 or {hostname, user, port}"}),
    identityFile: filePath.optional().meta({description: "private key for this environment's hosts; default: your SSH agent and ~/.ssh/config"}),
    knownHostsFile: filePath.optional().meta({description: "known_hosts file for this environment's hosts; default: ~/.ssh/known_hosts"}),
    apps: z
      .record(appName, appOverride, {error: expected('a map of app names to {name, host}')})
      .optional()
      .meta({description: 'per-app overrides in this environment, keyed by manifest app name'}),
  }, {error: expected('a map with host, identityFile, knownHostsFile and apps')})
  .nullable()
  .transform((value) => ({...value, apps: value?.apps ?? {}}))
  .meta({description: 'an environment: its default host and per-app overrides'})

const hook = z
  .strictObject({
    label: text('a label, shown in output').meta({description: 'what the hook does, shown in output'}),
    local: text('a shell command').optional().meta({description: 'a shell command run on this machine, in the manifest directory'}),
    run: z
      .strictObject({
        app: text('the name of one of the apps').meta({description: 'the app (manifest name) whose target image and config the command runs with'}),
        command: text('the command to run in the app container').meta({description: 'the command, e.g. bin/migrate'}),
      }, {error: expected('{app, command}, like {app: api, command: bin/migrate}')})
      .optional()
      .meta({description: "a one-off `dokku run` of the target app: the new image and the new config"}),
    ssh: z
      .strictObject({
        host: host.meta({description: 'the host to run the command on'}),
        command: text('the command to run on the host').meta({description: 'the command, run by the remote login shell'}),
      }, {error: expected('{host, command}, like {host: deploy@db.example.com, command: backup-now}')})
      .optional()
      .meta({description: 'a command run on another host over SSH'}),
    timeout: duration.optional().meta({description: 'how long the hook may run; default options.timeouts.hook'}),
    environments: z
      .array(text('an environment name'), {error: expected('a list of environment names, like [production]')})
      .min(1, {error: 'names no environment; name at least one, or leave environments out to run the hook always'})
      .optional()
      .meta({description: 'run only when graduating into one of these environments; default: always'}),
  }, {error: expected('a hook: {label, and one of local, run or ssh}')})
  .refine((value) => HOOK_KINDS.filter((kind) => kind in value).length === 1, {
    // Checked even when other fields are wrong, so the reader learns about both at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
    error: (issue) => hookKindsProblem(Object.keys(issue.input as object)),
  })
  .transform(({local, run, ssh, label, timeout, environments}) => ({
    label,
    timeoutMs: timeout,
    environments,
    // The refine above guarantees exactly one of local, run and ssh.
    action:
      local !== undefined
        ? {kind: 'local' as const, command: local}
        : run !== undefined
          ? {kind: 'run' as const, app: run.app, command: run.command}
          : {kind: 'ssh' as const, host: ssh!.host, command: ssh!.command},
  }))
  .meta({id: 'GraduateHook', description: 'a hook: a label, exactly one of local / run / ssh, an optional timeout and environment filter'})

function hookKindsProblem(keys: string[]): string {
  const kinds = HOOK_KINDS.filter((kind) => keys.includes(kind))
  if (kinds.length === 0) {
    return 'says nothing to run; add one of local: <shell command>, run: {app, command} or ssh: {host, command}'
  }
  return `has ${kinds.join(' and ')}; a hook does exactly one of local, run or ssh, so split it into ${kinds.length === 2 ? 'two' : 'three'} hooks`
}

function hookList(when: string) {
  return z
    .array(hook, {error: expected('a list of hooks')})
    .nullable()
    .transform((hooks) => hooks ?? [])
    .prefault([])
    .meta({description: `hooks run in order ${when}`})
}

const hooks = z
  .strictObject({
    pre: hookList('before anything is deployed'),
    post: hookList('once every app is held, before the release (e.g. a migration)'),
    rollback: hookList('instead of post when `graduate rollback` holds the previous revisions (e.g. a down-migration)'),
    released: hookList('after every app went live'),
    aborted: hookList('after a graduation was aborted'),
  }, {error: expected('a map of hook lists: pre, post, rollback, released, aborted')})
  .nullable()
  .transform((value) => value ?? {pre: [], post: [], rollback: [], released: [], aborted: []})
  .prefault({})
  .meta({description: 'commands run around a graduation, by phase'})

const timeouts = z
  .strictObject({
    connect: duration.prefault('20s').meta({description: 'to open an SSH connection'}),
    command: duration.prefault('2m').meta({description: 'for any single remote command'}),
    deploy: duration.prefault('30m').meta({description: 'from the start of a push until the app is held'}),
    hold: duration.prefault('1h').meta({description: 'the longest time apps stay held, POST hooks included'}),
    hook: duration.prefault('30m').meta({description: 'for a hook without its own timeout'}),
    switch: duration
      .refine((ms) => ms >= 1000, {error: 'the switch wait is counted in whole seconds; give at least 1s'})
      .prefault('30s')
      .meta({description: 'after the release, how long apps waiting at the nginx switch wait for the rest to get there'}),
  }, {error: expected('a map of timeouts: connect, command, deploy, hold, hook, switch')})
  .prefault({})
  .meta({description: 'time limits; a duration like 90s, 10m, 1h30m, 500ms or a number of seconds'})

const options = z
  .strictObject({
    concurrency: wholeNumber(1, 64, 'a whole number from 1 to 64')
      .prefault(4)
      .meta({description: 'deploys at once per host'}),
    lease: duration
      .refine((ms) => ms % 1000 === 0, {error: 'the gate counts its lease in whole seconds; write e.g. 90s or 2m'})
      .prefault('2m')
      .meta({description: 'how long a held deploy waits for a decision before aborting itself; renewed while apps are held'}),
    timeouts,
  }, {error: expected('a map of options: concurrency, lease, timeouts')})
  .prefault({})
  .meta({description: 'tuning; every option has a default'})

const configKeyName = z.string({error: expected('a config key name like DATABASE_URL')}).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'is not a config key name; use letters, digits and _, not starting with a digit',
})

const driftSettings = z
  .strictObject(
    {
      allow: z
        .array(configKeyName, {error: expected('a list of config key names')})
        .prefault([])
        .meta({description: 'config keys the source may have and the target lack without stopping the graduation'}),
    },
    {error: expected('a map with allow: [KEY, …]')},
  )
  .nullable()
  .transform((value) => value ?? {allow: []})
  .prefault({})

export const PROMOTION_STRATEGIES = ['git', 'image'] as const

const appSettings = z
  .strictObject(
    {
      drift: driftSettings.meta({description: 'config drift this app may have'}),
      strategy: z
        .enum(PROMOTION_STRATEGIES, {error: expected('git (rebuild the source revision on the target) or image (deploy the very image the source runs)')})
        .optional()
        .meta({
          description:
            "how the app is promoted; default: as the source app was deployed — git for git push and git:sync, image for git:from-image and for registry push-on-release",
        }),
    },
    {error: expected('nothing, or a map with drift and strategy (per-environment name and host go under environments.<env>.apps)')},
  )
  .nullable()
  .transform((value) => value ?? {drift: {allow: []}})

export const manifestSchema = z
  .strictObject(
    {
      environments: z
        .record(environmentName, environment, {error: expected('a map of environments in promotion order, like dev:, staging:, production:')})
        .meta({description: 'the chain of environments in promotion order; each graduates into a later one', minProperties: 2}),
      apps: z
        .record(appName, appSettings, {error: expected('a map of app names, like api:, web:')})
        .meta({description: 'the peer apps, graduated together; names are the Dokku app names unless overridden', minProperties: 1}),
      drift: driftSettings.meta({description: 'config drift every app may have (see apps.<app>.drift for one app)'}),
      hooks,
      options,
    },
    {error: expected('a map with environments, apps, hooks and options')},
  )
  .meta({title: 'graduate manifest', description: 'graduate.yml: environments, apps, hooks and options for graduate'})

/** The manifest's content as validated: durations in milliseconds, hosts parsed, defaults filled in. */
export type ManifestContent = z.output<typeof manifestSchema>
export type EnvironmentInput = z.output<typeof environment>
