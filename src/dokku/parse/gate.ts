import {z} from 'zod'

import type {DokkuCommand} from '../command.js'
import type {GraduationRecordDocument} from '../commands/gate.js'
import {parseJsonOutput, unexpectedOutput} from './output.js'

/*
 * The gate plugin's outputs, exactly as dokku-plugin/PROTOCOL.md (protocol 3) defines them, turned into
 * camelCase views. Times are integer epoch seconds on the host's clock; absent values are null.
 */

const epochSeconds = z.number().int().nonnegative()
const nullableEpoch = epochSeconds.nullable()

export interface GateVersion {
  /** The plugin's semver, e.g. `0.1.0`. */
  readonly version: string
  /** The protocol number; the CLI and the plugin must agree on it. */
  readonly protocol: number
}

const VERSION_LINE = /^graduate-gate (\d+\.\d+\.\d+\S*) protocol (\d+)$/

/** `graduate:version` → `graduate-gate <semver> protocol <n>`. */
export function parseGateVersion(stdout: string, from: DokkuCommand): GateVersion {
  const match = VERSION_LINE.exec(stdout.trim())
  if (match === null) throw unexpectedOutput(from, stdout, 'expected "graduate-gate <version> protocol <n>"')
  return {version: match[1]!, protocol: Number(match[2])}
}

export const GATE_STATES = ['unarmed', 'armed', 'held', 'released', 'aborted', 'expired', 'orphaned'] as const
export type GateState = (typeof GATE_STATES)[number]

export const GATE_DECISIONS = ['release', 'abort', 'expired', 'orphaned'] as const
export type GateDecision = (typeof GATE_DECISIONS)[number]

export interface HeldContainer {
  readonly proc: string
  readonly index: number
  readonly cid: string
  readonly since: number
}

export interface GateAppStatus {
  readonly app: string
  readonly state: GateState
  /** The graduation that armed the app. */
  readonly id: string | null
  /** The revision (sha or image reference) the armed deploy must carry. */
  readonly rev: string | null
  readonly leaseSeconds: number | null
  readonly armedAt: number | null
  readonly expiresAt: number | null
  /** DOKKU_BUILD_ID of the held deploy. */
  readonly build: string | null
  readonly heldAt: number | null
  readonly containers: readonly HeldContainer[]
  readonly decision: GateDecision | null
  readonly decidedAt: number | null
  readonly reason: string | null
  /** Live check-deploy processes of the held build. */
  readonly waiting: number
  /** Where the released deploy is at the nginx switch, once it got there (protocol 3). */
  readonly switch: SwitchPoint | null
}

/** The released deploy at the nginx switch: when it got there, and when and why it passed. */
export interface SwitchPoint {
  /** Epoch milliseconds on the host's clock. */
  readonly reachedMs: number
  readonly passedMs: number | null
  /** `switch` (graduate's), `bound` (it stopped waiting), `disarmed`. */
  readonly by: string | null
}

export interface GateStatus {
  readonly protocol: number
  readonly version: string
  /** The host's clock when it answered; compare expiries with this, not with the local clock. */
  readonly now: number
  readonly apps: readonly GateAppStatus[]
}

const heldContainerSchema = z.object({
  proc: z.string().min(1),
  index: z.number().int().positive(),
  cid: z.string(),
  since: epochSeconds,
})

const gateAppStatusSchema = z
  .object({
    app: z.string().min(1),
    state: z.enum(GATE_STATES),
    id: z.string().nullable(),
    rev: z.string().nullable(),
    lease: z.number().int().positive().nullable(),
    armed_at: nullableEpoch,
    expires_at: nullableEpoch,
    build: z.string().nullable(),
    held_at: nullableEpoch,
    containers: z.array(heldContainerSchema),
    decision: z.enum(GATE_DECISIONS).nullable(),
    decided_at: nullableEpoch,
    reason: z.string().nullable(),
    waiting: z.number().int().nonnegative(),
    switch: z
      .object({reached_ms: z.number().int().nonnegative(), passed_ms: z.number().int().nonnegative().nullable(), by: z.string().nullable()})
      // A plugin before protocol 3 has no switch; its status still reads (preflight asks for the upgrade).
      .nullish()
      .transform((value) => value ?? null),
  })
  .transform(
    (app): GateAppStatus => ({
      app: app.app,
      state: app.state,
      id: app.id,
      rev: app.rev,
      leaseSeconds: app.lease,
      armedAt: app.armed_at,
      expiresAt: app.expires_at,
      build: app.build,
      heldAt: app.held_at,
      containers: app.containers,
      decision: app.decision,
      decidedAt: app.decided_at,
      reason: app.reason,
      waiting: app.waiting,
      switch: app.switch ? {reachedMs: app.switch.reached_ms, passedMs: app.switch.passed_ms, by: app.switch.by} : null,
    }),
  )

const gateStatusSchema = z.object({
  protocol: z.number().int().positive(),
  version: z.string().min(1),
  now: epochSeconds,
  apps: z.array(gateAppStatusSchema),
})

/** `graduate:status --format json [<app>...]`. */
export function parseGateStatus(stdout: string, from: DokkuCommand): GateStatus {
  return parseJsonOutput(stdout, gateStatusSchema, from)
}

/** What `graduate:facts` says of an app that exists, as Dokku keeps it; lists are empty when none. */
export interface GateAppFacts {
  readonly app: string
  readonly exists: true
  /** `git-push`, `git-sync`, `docker-image`…, or '' before the first successful deploy. */
  readonly deploySource: string
  readonly deploySourceMetadata: string
  /** `computed-deploy-branch`: the app's, else the global one, else `master`. */
  readonly deployBranch: string
  /** The config variable Dokku sets to the pushed revision (default GIT_REV). */
  readonly revEnvVar: string
  /** Its value when it is a revision; null when unset, not a revision, or not asked for (`--rev`). */
  readonly revEnvValue: string | null
  /** Config variable names (never values); null when not asked for (`--config`). */
  readonly configKeys: readonly string[] | null
  readonly registry: {readonly pushOnRelease: boolean; readonly server: string | null; readonly imageRepo: string | null; readonly tagVersion: string}
  /** The ps plugin's scale: how many containers of each type the next deploy starts. */
  readonly scale: Readonly<Record<string, number>>
  /** The containers Dokku runs now, `<proc>.<index>` (its CONTAINER.* files). */
  readonly containers: readonly string[]
  readonly skipDeploy: boolean
  /** `computed-type`: the proxy in effect. */
  readonly proxyType: string
  readonly checksDisabled: readonly string[]
  readonly checksSkipped: readonly string[]
  /** `computed-selected`. */
  readonly scheduler: string
  /** Null when not asked for (`--domains`). */
  readonly domains: {readonly app: readonly string[]; readonly global: readonly string[]} | null
  readonly gate: GateAppStatus
  /** Dokku commands the gate ran for this app and that failed, each naming the command. */
  readonly errors: readonly string[]
}

export interface GateMissingApp {
  readonly app: string
  readonly exists: false
  readonly gate: GateAppStatus
  readonly errors: readonly string[]
}

export interface GateFacts {
  readonly protocol: number
  readonly version: string
  readonly now: number
  /** `dokku version`'s line, or null when the host could not say. */
  readonly dokkuVersion: string | null
  /** Whether the companion plugin that carries check-deploy (zz-graduate-gate) is enabled. */
  readonly gateHook: boolean
  readonly errors: readonly string[]
  /** In the order asked. */
  readonly apps: ReadonlyArray<GateAppFacts | GateMissingApp>
}

const stringList = z.array(z.string())

const appFactsSchema = z.discriminatedUnion('exists', [
  z.object({app: z.string().min(1), exists: z.literal(false), gate: gateAppStatusSchema, errors: stringList}),
  z
    .object({
      app: z.string().min(1),
      exists: z.literal(true),
      deploy_source: z.string(),
      deploy_source_metadata: z.string(),
      deploy_branch: z.string().min(1),
      rev_env_var: z.string().min(1),
      rev_env_value: z.string().nullable(),
      config_keys: stringList.nullable(),
      registry: z.object({push_on_release: z.boolean(), server: z.string().nullable(), image_repo: z.string().nullable(), tag_version: z.string()}),
      scale: z.record(z.string(), z.number().int().nonnegative()),
      containers: stringList,
      skip_deploy: z.boolean(),
      proxy_type: z.string().min(1),
      checks_disabled: stringList,
      checks_skipped: stringList,
      scheduler: z.string().min(1),
      domains: z.object({app: stringList, global: stringList}).nullable(),
      gate: gateAppStatusSchema,
      errors: stringList,
    })
    .transform(
      (app): GateAppFacts => ({
        app: app.app,
        exists: true,
        deploySource: app.deploy_source,
        deploySourceMetadata: app.deploy_source_metadata,
        deployBranch: app.deploy_branch,
        revEnvVar: app.rev_env_var,
        revEnvValue: app.rev_env_value,
        configKeys: app.config_keys,
        registry: {pushOnRelease: app.registry.push_on_release, server: app.registry.server, imageRepo: app.registry.image_repo, tagVersion: app.registry.tag_version},
        scale: app.scale,
        containers: app.containers,
        skipDeploy: app.skip_deploy,
        proxyType: app.proxy_type,
        checksDisabled: app.checks_disabled,
        checksSkipped: app.checks_skipped,
        scheduler: app.scheduler,
        domains: app.domains,
        gate: app.gate,
        errors: app.errors,
      }),
    ),
])

const gateFactsSchema = z
  .object({
    protocol: z.number().int().positive(),
    version: z.string().min(1),
    now: epochSeconds,
    dokku_version: z.string().nullable(),
    gate_hook: z.boolean(),
    errors: stringList,
    apps: z.array(appFactsSchema),
  })
  .transform(
    (facts): GateFacts => ({
      protocol: facts.protocol,
      version: facts.version,
      now: facts.now,
      dokkuVersion: facts.dokku_version,
      gateHook: facts.gate_hook,
      errors: facts.errors,
      apps: facts.apps,
    }),
  )

/** `graduate:facts [--config] [--domains] <app>...`. */
export function parseGateFacts(stdout: string, from: DokkuCommand): GateFacts {
  return parseJsonOutput(stdout, gateFactsSchema, from)
}

export interface EnvironmentLock {
  readonly env: string
  /** The graduation holding the lock. */
  readonly id: string
  /** Who took it, as the CLI wrote it (user, machine, pid). */
  readonly owner: string
  readonly acquiredAt: number
  readonly expiresAt: number
  readonly ttlSeconds: number
}

const lockSchema = z
  .object({
    env: z.string().min(1),
    id: z.string().min(1),
    owner: z.string(),
    acquired_at: epochSeconds,
    expires_at: epochSeconds,
    ttl: z.number().int().positive(),
  })
  .transform(
    (lock): EnvironmentLock => ({
      env: lock.env,
      id: lock.id,
      owner: lock.owner,
      acquiredAt: lock.acquired_at,
      expiresAt: lock.expires_at,
      ttlSeconds: lock.ttl,
    }),
  )

export type LockAttempt =
  | {readonly acquired: true; readonly lock: EnvironmentLock; readonly replaced: EnvironmentLock | null}
  | {readonly acquired: false; readonly lock: EnvironmentLock}

const lockAttemptSchema = z.discriminatedUnion('acquired', [
  z.object({acquired: z.literal(true), lock: lockSchema, replaced: lockSchema.nullable()}),
  z.object({acquired: z.literal(false), lock: lockSchema}),
])

/** `graduate:lock` (exit 0 when acquired, 4 when another graduation holds it; both print this). */
export function parseLockAttempt(stdout: string, from: DokkuCommand): LockAttempt {
  return parseJsonOutput(stdout, lockAttemptSchema, from)
}

export interface LockStatus {
  readonly env: string
  readonly locked: boolean
  /** Locked, but past its expiry: the next `graduate:lock` takes it over. */
  readonly expired: boolean
  readonly now: number
  readonly lock: EnvironmentLock | null
}

const lockStatusSchema = z.object({
  env: z.string().min(1),
  locked: z.boolean(),
  expired: z.boolean(),
  now: epochSeconds,
  lock: lockSchema.nullable(),
})

/** `graduate:lock-status <env> --format json`. */
export function parseLockStatus(stdout: string, from: DokkuCommand): LockStatus {
  return parseJsonOutput(stdout, lockStatusSchema, from)
}

const historySchema = z.array(z.looseObject({id: z.string().min(1)}))

/** `graduate:history <env> --format json`, oldest first. */
export function parseHistory(stdout: string, from: DokkuCommand): GraduationRecordDocument[] {
  return parseJsonOutput(stdout, historySchema, from)
}

const DIGEST_REFERENCE = /^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$/

/** `graduate:image-digest`: one line, `<repository>@sha256:<hex>`. */
export function parseImageDigest(stdout: string, from: DokkuCommand): string {
  const line = stdout.trim()
  if (!DIGEST_REFERENCE.test(line)) throw unexpectedOutput(from, stdout, 'expected one image reference pinned by digest, <repository>@sha256:<64 hex>')
  return line
}

/** Where one app's released deploy is at the nginx switch, as `graduate:await-switch` and `graduate:switch` say. */
export type SwitchPosition =
  /** Waiting at the switch since `reachedMs`. */
  | {readonly app: string; readonly kind: 'at-switch'; readonly reachedMs: number}
  /** It went through already: `by` graduate's switch, or its own bound. */
  | {readonly app: string; readonly kind: 'passed'; readonly reachedMs: number; readonly passedMs: number; readonly by: string}
  /** Still deploying towards the switch when the wait ended. */
  | {readonly app: string; readonly kind: 'waiting'; readonly reason: string}
  /** It will not reach the switch: its deploy ended, or it is not this graduation's released deploy. */
  | {readonly app: string; readonly kind: 'gone'; readonly reason: string}
  /** Let go by this `switch` (it was waiting): its reload runs now. */
  | {readonly app: string; readonly kind: 'switched'; readonly reachedMs: number; readonly switchedMs: number}
  /** Not at the switch yet when the `switch` came: it passes at once when it gets there. */
  | {readonly app: string; readonly kind: 'open'}

const MS = /^\d{1,16}$/

/** `graduate:await-switch` and `graduate:switch`: one `<kind> <app> <details…>` line per app. */
export function parseSwitchPositions(stdout: string, from: DokkuCommand): SwitchPosition[] {
  const positions: SwitchPosition[] = []
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue
    const [kind, app, ...details] = line.trim().split(/\s+/)
    const ms = (value: string | undefined) => (value !== undefined && MS.test(value) ? Number(value) : undefined)
    if (app === undefined) throw unexpectedOutput(from, stdout, `expected "<kind> <app> …", got "${line}"`)
    if (kind === 'at-switch' && ms(details[0]) !== undefined) positions.push({app, kind, reachedMs: ms(details[0])!})
    else if (kind === 'passed' && ms(details[0]) !== undefined && ms(details[1]) !== undefined && details[2]) {
      positions.push({app, kind, reachedMs: ms(details[0])!, passedMs: ms(details[1])!, by: details[2]})
    } else if (kind === 'switched' && ms(details[0]) !== undefined && ms(details[1]) !== undefined) {
      positions.push({app, kind, reachedMs: ms(details[0])!, switchedMs: ms(details[1])!})
    } else if ((kind === 'waiting' || kind === 'gone') && details.length > 0) positions.push({app, kind, reason: details.join(' ')})
    else if (kind === 'open') positions.push({app, kind})
    else throw unexpectedOutput(from, stdout, `unknown switch line "${line}"`)
  }
  return positions
}
