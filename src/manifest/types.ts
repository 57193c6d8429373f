import type {HookPhase, PROMOTION_STRATEGIES} from './schema.js'

export type {HookPhase} from './schema.js'

/** How an app's artifact moves: its git revision rebuilt on the target, or its image deployed as is. */
export type PromotionStrategy = (typeof PROMOTION_STRATEGIES)[number]

/** A manifest that loaded without problems: validated, interpolated, every app placed on a host. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  path: string
  /** The path as the user gave it, for messages. */
  displayPath: string
  /** The manifest's directory: relative key files and `local` hooks start here. */
  directory: string
  /** Environment names in promotion order. */
  chain: string[]
  /** Manifest app names, in the order written. */
  apps: string[]
  /** Where each app lives in each environment: `locations[environment][app]`. */
  locations: Record<string, Record<string, AppLocation>>
  /** Every hook of every phase, in manifest order. */
  hooks: ManifestHook[]
  /** Config keys the source may have and the target lack: for every app, and per app. */
  drift: {global: string[]; apps: Record<string, string[]>}
  /** Apps whose promotion strategy the manifest sets; the others follow their source's deploy. */
  strategies: Record<string, PromotionStrategy>
  options: ResolvedOptions
}

/** A hook as the manifest states it; a `run` hook's target depends on the graduation. */
export interface ManifestHook {
  label: string
  phase: HookPhase
  timeoutMs: number
  /** Only when graduating into one of these; undefined means always. */
  environments: string[] | undefined
  action: {kind: 'local'; command: string; cwd: string} | {kind: 'run'; app: string; command: string} | {kind: 'ssh'; host: HostSpec; command: string}
}

export interface ResolvedOptions {
  /** Deploys at once per host. */
  concurrency: number
  /** The gate's lease; the CLI renews it while apps are held. */
  leaseMs: number
  timeouts: {
    connectMs: number
    /** Any single remote command. */
    commandMs: number
    /** From push start until the app is held. */
    deployMs: number
    /** The longest time apps stay held, POST hooks included. */
    holdMs: number
    /** Default for hooks without their own timeout. */
    hookMs: number
    /** After the release, how long apps at the nginx switch wait for the rest (the gate's own bound is twice this). */
    switchMs: number
  }
}

/**
 * An SSH destination. `user` and `port` stay undefined when the manifest does not say, so an
 * ~/.ssh/config alias can supply them; key and known-hosts paths are absolute.
 */
export interface HostSpec {
  user?: string
  host: string
  port?: number
  identityFile?: string
  knownHostsFile?: string
  /** e.g. dokku@prod-1.example.com:22, with defaults applied for display only. */
  display: string
}

/** One Dokku app on one host. */
export interface AppLocation {
  host: HostSpec
  app: string
}

export interface ResolvedApp {
  /** The manifest name. */
  name: string
  source: AppLocation
  target: AppLocation
  /** Set by the manifest; otherwise the source's deploy decides. */
  strategy?: PromotionStrategy
}

export type HookAction =
  | {kind: 'local'; command: string; cwd: string}
  | {kind: 'run'; /** manifest name */ app: string; target: AppLocation; command: string}
  | {kind: 'ssh'; host: HostSpec; command: string}

export interface ResolvedHook {
  label: string
  phase: HookPhase
  timeoutMs: number
  action: HookAction
}

export interface ResolvedGraduation {
  manifestPath: string
  from: string
  to: string
  /** Environments between `from` and `to` in the chain that this graduation jumps over. */
  skipped: string[]
  apps: ResolvedApp[]
  /** Only the hooks that apply when graduating into `to`, in manifest order. */
  hooks: Record<HookPhase, ResolvedHook[]>
  /** Per app (manifest name): config keys allowed to drift (the source has them, the target does not). */
  driftAllowed: Record<string, string[]>
  options: ResolvedOptions
}

/** One environment on its own, for commands that look at a single environment. */
export interface ResolvedEnvironment {
  manifestPath: string
  name: string
  apps: Array<{name: string} & AppLocation>
  /** Each distinct host once, in the order apps name them. */
  hosts: HostSpec[]
  options: ResolvedOptions
}
