import fs from 'node:fs'
import YAML from 'yaml'
import {z} from 'zod'

const revision = z.strictObject({
  message: z.string().optional(),
  files: z.record(z.string(), z.string()),
})

const app = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'a Dokku app name'),
  /** A key of the top-level `repos`: the app's history. */
  repo: z.string().optional(),
  /** Or the history inline. */
  revisions: z.array(revision).optional(),
  /** Which revision is deployed (1-based); 0 creates the app only. Default: the last. */
  deploy: z.number().int().min(0).optional(),
  branch: z.string().optional(),
  config: z.record(z.string(), z.string()).optional(),
  proxyType: z.string().optional(),
  checksDisabled: z.array(z.string()).optional(),
  checksSkipped: z.array(z.string()).optional(),
  /**
   * Deployed by image instead of by push: the deployed revision is published to the registry as this
   * reference (e.g. `registry.example.test/team/api:1.4.2`), then `git:from-image <app> <reference>`.
   */
  image: z.string().optional(),
  /**
   * Deployed by `git:sync --build` instead of by push: the history is pushed to an upstream bare
   * repository (`<host>/sim/upstream/<app>.git`) and the deployed revision synced from it by sha.
   */
  sync: z.boolean().optional(),
  /** registry:set before the first deploy: push-on-release, server, image-repo. */
  registry: z
    .strictObject({
      pushOnRelease: z.boolean().optional(),
      server: z.string().optional(),
      imageRepo: z.string().optional(),
    })
    .optional(),
})

/** An image published to the simulated registry at start, built from a revision of a repo. */
const image = z.strictObject({
  /** Where it is published, e.g. `registry.example.test/team/api:1.4.2` or `nginx:1.27`. */
  reference: z.string(),
  /** A key of the top-level `repos`. */
  repo: z.string(),
  /** Which revision (1-based); default: the last. */
  revision: z.number().int().min(1).optional(),
})

const commandFault = z.strictObject({
  /** A command prefix, or `/regex/` tested against the whole command. */
  match: z.string(),
  action: z.discriminatedUnion('kind', [
    z.strictObject({kind: z.literal('exit'), code: z.number().int(), stdout: z.string().optional(), stderr: z.string().optional()}),
    z.strictObject({kind: z.literal('delay'), ms: z.number().int().min(0)}),
    z.strictObject({kind: z.literal('hang')}),
    z.strictObject({kind: z.literal('drop'), afterMs: z.number().int().min(0).optional(), afterOutputBytes: z.number().int().min(0).optional()}),
  ]),
  once: z.boolean().optional(),
  user: z.enum(['dokku', 'root']).optional(),
})

const host = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a host name like dev or prod-1'),
  /** Install the gate plugin (default true). */
  gate: z.boolean().optional(),
  releaseTailMs: z.number().int().min(0).optional(),
  releaseTailJitterMs: z.number().int().min(0).optional(),
  /** One-way delay of the host's SSH link in ms (40: an 80 ms round trip, as to a cloud host); default 0. */
  linkDelayMs: z.number().int().min(0).optional(),
  dokkuVersion: z.string().optional(),
  /** The registry servers the host reaches and has logged into (`docker.io` for Docker Hub); default: all. */
  registries: z.array(z.string()).optional(),
  apps: z.array(app).optional(),
  faults: z
    .strictObject({
      commands: z.array(commandFault).optional(),
      connections: z.array(z.strictObject({kind: z.enum(['refuse', 'hang-handshake', 'reject-auth']), once: z.boolean().optional()})).optional(),
    })
    .optional(),
})

export const simulatorConfigSchema = z.strictObject({
  stateDir: z.string().optional(),
  repos: z.record(z.string(), z.array(revision)).optional(),
  images: z.array(image).optional(),
  hosts: z.array(host).min(1),
})

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>
export type SimHostConfig = z.infer<typeof host>
export type SimAppConfig = z.infer<typeof app>

export function loadSimulatorConfig(file: string): SimulatorConfig {
  const parsed = simulatorConfigSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')))
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`)
  }
  return parsed.data
}

/** `/regex/` or a prefix. */
export function parseMatch(match: string): string | RegExp {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(match)
  return regex ? new RegExp(regex[1]!, regex[2]) : match
}
