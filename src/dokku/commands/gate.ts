import type {DokkuCommand} from '../command.js'

/*
 * Builders for the gate plugin's verbs, one per verb of dokku-plugin/PROTOCOL.md (protocol 3). The
 * plugin validates ids, environment and app names itself; these only put the words in order.
 */

/** `graduate:lock`'s exit code when another graduation holds the lock (it still prints the lock JSON). */
export const LOCK_HELD_EXIT = 4

/** The most `graduate:record` accepts on stdin. */
export const MAX_RECORD_BYTES = 1024 * 1024

function wholeSeconds(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a whole number of seconds above 0, got ${value}`)
  }
  return String(value)
}

function someApps(verb: string, apps: readonly string[]): readonly string[] {
  if (apps.length === 0) throw new RangeError(`graduate:${verb} needs at least one app`)
  return apps
}

/** One line: `graduate-gate <semver> protocol <n>`. */
export function gateVersion(): DokkuCommand {
  return {argv: ['graduate:version']}
}

/**
 * Arm `app` for graduation `id`, which will deploy `rev`; the lease starts now. Idempotent for the same
 * id. `switchWaitSeconds` bounds how long its released deploy waits at the nginx switch for `switch`.
 */
export function gateArm(app: string, id: string, rev: string, leaseSeconds: number, switchWaitSeconds: number): DokkuCommand {
  return {argv: ['graduate:arm', app, id, rev, wholeSeconds('the gate lease', leaseSeconds), wholeSeconds('the switch wait', switchWaitSeconds)]}
}

/**
 * Arm several apps at once (protocol 3), each for its own revision: one command per host, the apps
 * armed in parallel on it. Exit 0 when every app was armed; otherwise the others may be.
 * `switchWaitSeconds` bounds how long each released deploy waits at the nginx switch.
 */
export function gateArmApps(id: string, leaseSeconds: number, switchWaitSeconds: number, revisions: ReadonlyArray<readonly [app: string, rev: string]>): DokkuCommand {
  if (revisions.length === 0) throw new RangeError('graduate:arm needs at least one app')
  return {
    argv: ['graduate:arm', id, wholeSeconds('the gate lease', leaseSeconds), wholeSeconds('the switch wait', switchWaitSeconds), ...revisions.map(([app, rev]) => `${app}=${rev}`)],
  }
}

/** What `graduate:facts` adds to the plain facts: each costs a Dokku command on the host per app. */
export interface FactsParts {
  /** Config key names (never values): what drift compares. */
  config?: boolean
  /** The revision variable's value (printed only when it is a revision). */
  rev?: boolean
  /** The app's and the global domains: what the plan shows a person. */
  domains?: boolean
}

/**
 * Everything graduate reads of `apps` on one host, as one JSON document (protocol 3): deploy source and
 * revision, deploy branch, revision variable, settings that decide whether a deploy can be held, scale
 * and containers, gate state, Dokku's version — one SSH command instead of a dozen per app.
 */
export function gateFacts(apps: readonly string[], parts: FactsParts = {}): DokkuCommand {
  return {argv: ['graduate:facts', ...(parts.config ? ['--config'] : []), ...(parts.rev ? ['--rev'] : []), ...(parts.domains ? ['--domains'] : []), ...someApps('facts', apps)]}
}

/** The gate state of `apps`, or of every app with gate state on the host when `apps` is empty. */
export function gateStatus(apps: readonly string[] = []): DokkuCommand {
  return {argv: ['graduate:status', '--format', 'json', ...apps]}
}

/** Extend each app's lease by its lease length from now. */
export function gateRenew(id: string, apps: readonly string[]): DokkuCommand {
  return {argv: ['graduate:renew', id, ...someApps('renew', apps)]}
}

/** Let each held deploy of graduation `id` go live. */
export function gateRelease(id: string, apps: readonly string[]): DokkuCommand {
  return {argv: ['graduate:release', id, ...someApps('release', apps)]}
}

/** Fail each held deploy of graduation `id` and restore the app's image tag and revision variable. */
export function gateAbort(id: string, apps: readonly string[]): DokkuCommand {
  return {argv: ['graduate:abort', id, ...someApps('abort', apps)]}
}

/**
 * Wait on the host, at most `seconds`, until each app's released deploy has reached the nginx switch or
 * can no longer reach it; answers where each one is. Read-only — unless `thenSwitch`: then it prints
 * `ready` after its answer and switches the apps (as `gateSwitch`) when the word `switch` comes on its
 * stdin within the same `seconds`.
 */
export function gateAwaitSwitch(id: string, seconds: number, apps: readonly string[], options: {thenSwitch?: boolean} = {}): DokkuCommand {
  return {
    argv: ['graduate:await-switch', id, wholeSeconds('the switch wait', seconds), ...(options.thenSwitch ? ['--then-switch'] : []), ...someApps('await-switch', apps)],
  }
}

/** Let the released deploys of graduation `id` waiting at the nginx switch reload now; later arrivals pass at once. */
export function gateSwitch(id: string, apps: readonly string[]): DokkuCommand {
  return {argv: ['graduate:switch', id, ...someApps('switch', apps)]}
}

/** End graduation `id`'s claim on each app once its deploy is over. */
export function gateDisarm(id: string, apps: readonly string[]): DokkuCommand {
  return {argv: ['graduate:disarm', id, ...someApps('disarm', apps)]}
}

/** Take the environment lock on this host. Exit 4 (with the holder's lock as JSON) when another graduation holds it. */
export function gateLock(env: string, id: string, ttlSeconds: number, owner: string): DokkuCommand {
  return {
    argv: ['graduate:lock', env, id, wholeSeconds('the lock TTL', ttlSeconds), owner],
    okExitCodes: [0, LOCK_HELD_EXIT],
  }
}

/**
 * Release the environment lock held by `id`, or with `force` whoever holds it. Dokku also reads a
 * `--force` anywhere on its command line and exports DOKKU_APPS_FORCE_DELETE=1; only its destructive
 * commands consult that (apps:destroy, network:destroy, storage, git:from-image's re-pull), and the
 * gate's unlock runs none of them, so the flag is passed through on purpose.
 */
export function gateUnlock(env: string, id: string, options: {force?: boolean} = {}): DokkuCommand {
  return options.force === true
    ? {argv: ['graduate:unlock', env, id, '--force'], subcommandFlags: [3]}
    : {argv: ['graduate:unlock', env, id]}
}

export function gateLockStatus(env: string): DokkuCommand {
  return {argv: ['graduate:lock-status', env, '--format', 'json']}
}

/** A graduation record as the gate stores it: any JSON object with a string id. */
export type GraduationRecordDocument = {readonly id: string} & Readonly<Record<string, unknown>>

/**
 * Store one graduation record (JSON on stdin, at most 1 MiB) on the host; the same id replaces it. With
 * `unlock` (protocol 3), the environment lock held by that graduation is released once the record is
 * stored: a graduation's last two writes in one command. Exit 1 when the lock is another graduation's.
 */
export function gateRecord(env: string, record: GraduationRecordDocument, options: {unlock?: string} = {}): DokkuCommand {
  const stdin = JSON.stringify(record)
  const bytes = Buffer.byteLength(stdin, 'utf8')
  if (bytes > MAX_RECORD_BYTES) {
    throw new RangeError(`graduation record ${record.id} is ${bytes} bytes of JSON; the gate stores at most ${MAX_RECORD_BYTES}`)
  }
  return {argv: ['graduate:record', env, ...(options.unlock === undefined ? [] : ['--unlock', options.unlock])], stdin}
}

/** Every stored record of the environment, oldest first. */
export function gateHistory(env: string): DokkuCommand {
  return {argv: ['graduate:history', env, '--format', 'json']}
}

/** The registry reference, pinned by digest, of an image on the host (e.g. a source's image deploy). */
export function gateImageDigest(image: string): DokkuCommand {
  return {argv: ['graduate:image-digest', image]}
}

/** The same for the image `app`'s running containers were started from, in `repository` (push-on-release). */
export function gateRunningImageDigest(app: string, repository: string): DokkuCommand {
  return {argv: ['graduate:image-digest', '--running', app, repository]}
}

/** Exit 0 when the host can pull `image` from its registry (nothing is downloaded), 1 with the registry's answer. */
export function gateImageAvailable(image: string): DokkuCommand {
  return {argv: ['graduate:image-available', image], okExitCodes: [0, 1]}
}
