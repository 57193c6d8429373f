import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pMap from 'p-map'
import {type SimulatorConfig, parseMatch, simulatorConfigSchema} from './config.js'
import {type ConnectionFault, type CommandFault, type FaultHandle, FaultRegistry} from './faults.js'
import {type HostPaths, hostPaths, registryDirOf} from './host/paths.js'
import {provisionHost, writeHostCommands} from './host/provision.js'
import {clientCommand} from './host/client-binary.js'
import {CoreServer} from './core/server.js'
import {commitRevisions, publishRevision, seedApp} from './host/seed.js'
import {parseImageReference} from './core/store/image-reference.js'
import {type RegistryManifest, registryCatalog, resolveInRegistry} from './core/store/registry.js'
import {readSettings, updateSettings} from './core/store/settings.js'
import {startRouter} from './router.js'
import {type HostSnapshot, hostSnapshot} from './snapshot.js'
import {SimSshHost} from './ssh/server.js'
import {generateKeyPair} from './keys.js'

export type {SimulatorConfig} from './config.js'
export type {CommandFault, ConnectionFault, FaultHandle} from './faults.js'
export type {HostSnapshot, AppSnapshot, JournalEntry} from './snapshot.js'

export interface SimHostInfo {
  name: string
  host: string
  port: number
  /** `[127.0.0.1]:<port> ssh-ed25519 …`, ready for a known_hosts file. */
  knownHostsLine: string
  routerPort: number
  hostDir: string
}

export interface SimulatorFaults {
  /** A command fault (exit, delay, hang, drop), scoped by host and command pattern. */
  command(fault: CommandFault): FaultHandle
  /** A connection fault (refuse, hang-handshake, reject-auth). */
  connection(fault: ConnectionFault): FaultHandle
  /** The host drops off the network (ECONNREFUSED, live connections cut); what runs on it keeps running. */
  down(host: string): Promise<void>
  up(host: string): Promise<void>
  /** The next nginx switch of `app` (or every app: `*`) on the host fails after the app's checks passed. */
  failNginxSwitch(host: string, app: string): FaultHandle
  /** Config rebuilds of `app` (or every app: `*`) on the host run no nginx-pre-reload trigger: the gate's switch point never comes. */
  skipNginxPreReload(host: string, app: string): FaultHandle
  /** Gate exit → nginx serving the new revision, with optional ± jitter (real host: ~5 s). */
  setReleaseTail(host: string, ms: number, jitterMs?: number): void
  /** One-way delay of the host's SSH link (a round trip costs twice this), open connections included; 0 is loopback. */
  setLinkDelay(host: string, ms: number): void
  reset(): void
  list(): ReturnType<FaultRegistry['list']>
}

export interface Simulator {
  stateDir: string
  /** Private key (OpenSSH format) authorised as `dokku` and `root` on every host. Removed by stop() with the state dir, unless `stateDir` was given. */
  clientKeyPath: string
  /** A known_hosts file listing every host. */
  knownHostsPath: string
  hosts: SimHostInfo[]
  host(name: string): SimHostInfo
  paths(name: string): HostPaths
  /** Shas of seeded revisions: by repo name, and by `<host>/<app>` for inline revisions. */
  revisions: Record<string, string[]>
  /** The registry every host shares: repositories → tags → digests. */
  state(): {hosts: HostSnapshot[]; registry: Record<string, Record<string, string>>}
  registry: {
    /** What a reference (`repo:tag` or `repo@sha256:…`) names in the registry: digest, image id and source revision. */
    resolve(reference: string): RegistryManifest | undefined
  }
  /** SSH statistics per host: connections accepted, execs, peak open sessions on one connection. */
  sshStats(name: string): SimSshHost['sessionStats']
  faults: SimulatorFaults
  stop(): Promise<void>
}

/**
 * Starts simulated Dokku hosts: each gets its state directory (provisioned and seeded unless the
 * state dir already holds it), an sshd on 127.0.0.1 with its own ed25519 host key, and an HTTP router.
 */
export async function startSimulator(input: SimulatorConfig): Promise<Simulator> {
  const config = simulatorConfigSchema.parse(input)
  const ownsStateDir = config.stateDir === undefined
  const stateDir = config.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-sim-'))
  fs.mkdirSync(stateDir, {recursive: true})
  const clientKeyPath = path.join(stateDir, 'client_ed25519')
  const clientPublicKey = ensureKeyPair(clientKeyPath)

  const registryDir = registryDirOf(stateDir)
  const unknownRepo = (config.images ?? []).find((image) => !config.repos?.[image.repo])
  if (unknownRepo) throw new Error(`simulator: image ${unknownRepo.reference} names repo ${unknownRepo.repo}, which \`repos\` does not have`)
  const revisions: Record<string, string[]> = {}
  for (const [name, history] of Object.entries(config.repos ?? {})) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `sim-repo-${name}-`))
    try {
      revisions[name] = await commitRevisions(scratch, history)
      for (const image of (config.images ?? []).filter((entry) => entry.repo === name)) {
        const sha = revisions[name][(image.revision ?? history.length) - 1]
        if (!sha) throw new Error(`simulator: image ${image.reference} names revision ${image.revision} of ${name}, which has ${history.length}`)
        await publishRevision(registryDir, scratch, sha, {reference: image.reference, app: name})
      }
    } finally {
      fs.rmSync(scratch, {recursive: true, force: true})
    }
  }

  // Every host's Dokku core commands and docker verbs run in this process (core/server.ts).
  const coreServer = await new CoreServer().start()
  const serverAddress = {socketName: coreServer.socketName, client: clientCommand()}
  const faults = new FaultRegistry()
  const hostsByName = new Map<string, {info: SimHostInfo; paths: HostPaths; ssh: SimSshHost; router: {close(): Promise<void>}}>()
  try {
    await pMap(
      config.hosts,
      async (hostConfig) => {
        const hostDir = path.join(stateDir, hostConfig.name)
        const fresh = !fs.existsSync(path.join(hostDir, 'sim', 'settings.json'))
        const paths = fresh
          ? await provisionHost(hostDir, {
              name: hostConfig.name,
              gate: hostConfig.gate ?? true,
              settings: {
                ...(hostConfig.releaseTailMs === undefined ? {} : {releaseTailMs: hostConfig.releaseTailMs}),
                ...(hostConfig.releaseTailJitterMs === undefined ? {} : {releaseTailJitterMs: hostConfig.releaseTailJitterMs}),
                ...(hostConfig.dokkuVersion === undefined ? {} : {dokkuVersion: hostConfig.dokkuVersion}),
                ...(hostConfig.registries === undefined ? {} : {registries: hostConfig.registries}),
              },
            }, serverAddress)
          : hostPaths(hostDir)
        if (!fresh) writeHostCommands(paths, serverAddress)
        if (fresh) {
          await pMap(
            hostConfig.apps ?? [],
            async (appConfig) => {
              const history = appConfig.revisions ?? (appConfig.repo ? config.repos?.[appConfig.repo] : undefined)
              if (!history) throw new Error(`simulator: app ${appConfig.name} on ${hostConfig.name} needs \`revisions\` or a known \`repo\``)
              const shas = await seedApp(paths, {...appConfig, revisions: history})
              if (appConfig.revisions) revisions[`${hostConfig.name}/${appConfig.name}`] = shas
            },
            {concurrency: 2},
          )
        }
        for (const fault of hostConfig.faults?.commands ?? []) faults.addCommand({...fault, host: hostConfig.name, match: parseMatch(fault.match)})
        for (const fault of hostConfig.faults?.connections ?? []) faults.addConnection({...fault, host: hostConfig.name})

        const hostKey = ensureKeyPair(path.join(paths.simDir, 'ssh_host_ed25519_key'))
        const ssh = new SimSshHost({
          name: hostConfig.name,
          paths,
          hostKey: fs.readFileSync(path.join(paths.simDir, 'ssh_host_ed25519_key'), 'utf8'),
          authorizedKeys: [clientPublicKey],
          faults,
          ...(readPort(paths) === undefined ? {} : {port: readPort(paths)!}),
          ...(hostConfig.linkDelayMs === undefined ? {} : {linkDelayMs: hostConfig.linkDelayMs}),
        })
        const port = await ssh.start()
        fs.writeFileSync(path.join(paths.simDir, 'port'), `${port}\n`)
        const router = await startRouter(paths)
        const info: SimHostInfo = {
          name: hostConfig.name,
          host: '127.0.0.1',
          port,
          knownHostsLine: `[127.0.0.1]:${port} ${hostKey.split(' ').slice(0, 2).join(' ')}`,
          routerPort: router.port,
          hostDir,
        }
        hostsByName.set(hostConfig.name, {info, paths, ssh, router})
      },
      {concurrency: 2},
    )
  } catch (error) {
    // A host that failed to start leaves nothing running: the others' sshds and routers, and the core server.
    await Promise.allSettled([...hostsByName.values()].map(({ssh, router}) => Promise.all([ssh.stop(), router.close()])))
    await coreServer.stop()
    if (ownsStateDir) fs.rmSync(stateDir, {recursive: true, force: true})
    throw error
  }
  const hosts = config.hosts.map((hostConfig) => hostsByName.get(hostConfig.name)!.info)
  const knownHostsPath = path.join(stateDir, 'known_hosts')
  fs.writeFileSync(knownHostsPath, hosts.map((host) => `${host.knownHostsLine}\n`).join(''))

  const entry = (name: string) => {
    const found = hostsByName.get(name)
    if (!found) throw new Error(`simulator: no host named ${name} (hosts: ${[...hostsByName.keys()].join(', ')})`)
    return found
  }

  return {
    stateDir,
    clientKeyPath,
    knownHostsPath,
    hosts,
    host: (name) => entry(name).info,
    paths: (name) => entry(name).paths,
    revisions,
    state: () => ({hosts: hosts.map((host) => hostSnapshot(entry(host.name).paths)), registry: registryCatalog(registryDir)}),
    registry: {
      resolve: (reference) => resolveInRegistry(registryDir, parseImageReference(reference)),
    },
    sshStats: (name) => entry(name).ssh.sessionStats,
    faults: {
      command: (fault) => faults.addCommand(fault),
      connection: (fault) => faults.addConnection(fault),
      down: (name) => entry(name).ssh.down(),
      up: (name) => entry(name).ssh.up(),
      failNginxSwitch: (name, app) => {
        const paths = entry(name).paths
        updateSettings(paths, {nginxSwitchFails: [...readSettings(paths).nginxSwitchFails, app]})
        return {remove: () => updateSettings(paths, {nginxSwitchFails: readSettings(paths).nginxSwitchFails.filter((entryApp) => entryApp !== app)})}
      },
      skipNginxPreReload: (name, app) => {
        const paths = entry(name).paths
        updateSettings(paths, {nginxPreReloadMissing: [...readSettings(paths).nginxPreReloadMissing, app]})
        return {remove: () => updateSettings(paths, {nginxPreReloadMissing: readSettings(paths).nginxPreReloadMissing.filter((entryApp) => entryApp !== app)})}
      },
      setReleaseTail: (name, ms, jitterMs = 0) => void updateSettings(entry(name).paths, {releaseTailMs: ms, releaseTailJitterMs: jitterMs}),
      setLinkDelay: (name, ms) => entry(name).ssh.setLinkDelay(ms),
      reset: () => {
        faults.reset()
        for (const {paths} of hostsByName.values()) updateSettings(paths, {nginxSwitchFails: [], nginxPreReloadMissing: []})
      },
      list: () => faults.list(),
    },
    stop: async () => {
      await Promise.all([...hostsByName.values()].map(async ({ssh, router}) => Promise.all([ssh.stop(), router.close()])))
      // Every command still running on any host ends, with its children (gates, git, tasks).
      await coreServer.stop()
      // A state dir the simulator made for itself goes with it; one the caller named is kept.
      if (ownsStateDir) fs.rmSync(stateDir, {recursive: true, force: true})
    },
  }
}

/** Creates an ed25519 key pair at `file` (+ `.pub`) unless it exists; returns the public key line. */
function ensureKeyPair(file: string): string {
  if (!fs.existsSync(file)) {
    const pair = generateKeyPair('ed25519')
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, pair.private, {mode: 0o600})
    fs.writeFileSync(`${file}.pub`, `${pair.public}\n`)
  }
  return fs.readFileSync(`${file}.pub`, 'utf8').trim()
}

function readPort(paths: HostPaths): number | undefined {
  const file = path.join(paths.simDir, 'port')
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : undefined
}
