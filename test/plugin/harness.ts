/**
 * A throwaway Dokku host for the gate plugin's tests: Dokku's directory layout in a temp dir, the
 * plugin copied in, enabled and installed, and stub `docker` / `dokku` commands first on PATH that
 * keep their state in files (test/plugin/stubs). Tests run the plugin's scripts the way Dokku does
 * and assert on the end state: image tags, config values, the plugin's own state files.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {killChildFamily} from '../support/process-tree.js'
import {runMarker} from '../support/leftover-processes.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const pluginSource = path.resolve(here, '../../dokku-plugin')
const stubsDir = path.join(here, 'stubs')
const fullDiskDir = path.join(here, 'full-disk')
const lockProbesDir = path.join(here, 'lock-probes')
const fullDiskFilesDir = path.join(here, 'full-disk-files')

const DEFAULT_DEADLINE_MS = 15_000

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Polls a probe until it returns a value other than undefined/false, or fails after the deadline. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

export function newImageId(): string {
  return `sha256:${randomHex(32)}`
}

/** A process is gone once it has exited, whether or not anyone has reaped it yet. */
export function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

/** Signals a process that may have exited meanwhile. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** Parses the plugin's key=value state files. */
function parseKeyValues(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) values[line.slice(0, at)] = line.slice(at + 1)
  }
  return values
}

export interface CheckDeployOptions {
  cid: string
  proc?: string
  index?: number
  /** checks:run passes five arguments (no index). */
  fiveArguments?: boolean
  buildId?: string
  buildSource?: string
  command: string
  dokkuPid?: number
  /** Run under a bash process standing in for Dokku's deploy process, so a test can kill it. */
  underParent?: boolean
  /** Log every look at Dokku's deploy lock this gate (and what it leaves behind) takes; see deployLockProbes. */
  logLockProbes?: boolean
}

/** One running check-deploy: its output as the build log would see it (stdout and stderr merged). */
export class GateRun {
  output = ''
  exitedAt: number | undefined
  private readonly closed: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  private readonly watchers = new Set<() => void>()

  constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8')
      for (const watcher of this.watchers) watcher()
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('exit', () => {
      this.exitedAt = Date.now()
    })
    this.closed = new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) => resolve({code, signal}))
    })
  }

  get running(): boolean {
    return this.exitedAt === undefined
  }

  /** Resolves with the first output line matching `pattern`. */
  async line(pattern: RegExp, timeoutMs = DEFAULT_DEADLINE_MS): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.output.split('\n').find((line) => pattern.test(line))
        if (found === undefined) return
        cleanup()
        resolve(found)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${this.output}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        this.watchers.delete(check)
      }
      this.watchers.add(check)
      check()
    })
  }

  /** Waits for the process to exit and its output to end. */
  async result(timeoutMs = DEFAULT_DEADLINE_MS): Promise<{code: number | null; signal: NodeJS.Signals | null; output: string}> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`check-deploy still running after ${timeoutMs} ms; output so far:\n${this.output}`)),
        timeoutMs,
      )
    })
    try {
      const {code, signal} = await Promise.race([this.closed, timeout])
      return {code, signal, output: this.output}
    } finally {
      clearTimeout(timer)
    }
  }
}

export interface DeployLock {
  release(): Promise<void>
}

export class PluginHost {
  readonly dokkuRoot: string
  readonly libRoot: string
  readonly availablePath: string
  readonly enabledPath: string
  readonly pluginDir: string
  readonly dataDir: string
  readonly stubState: string
  private readonly children = new Set<ChildProcess>()

  private constructor(readonly dir: string) {
    this.dokkuRoot = path.join(dir, 'home-dokku')
    this.libRoot = path.join(dir, 'var-lib-dokku')
    this.availablePath = path.join(this.libRoot, 'plugins', 'available')
    this.enabledPath = path.join(this.libRoot, 'plugins', 'enabled')
    this.pluginDir = path.join(this.availablePath, 'graduate')
    this.dataDir = path.join(this.libRoot, 'data', 'graduate')
    this.stubState = path.join(dir, 'stub-state')
  }

  /** Lays out the host, installs the plugin as `plugin:install --name graduate` would, runs `install`. */
  static async create(): Promise<PluginHost> {
    const host = new PluginHost(fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-gate-')))
    for (const dir of [host.dokkuRoot, host.availablePath, host.enabledPath]) fs.mkdirSync(dir, {recursive: true})
    for (const dir of ['apps', 'containers', 'tags']) fs.mkdirSync(path.join(host.stubState, dir), {recursive: true})
    fs.writeFileSync(path.join(host.stubState, 'calls.log'), '')
    fs.cpSync(pluginSource, host.pluginDir, {recursive: true})
    fs.symlinkSync(host.pluginDir, path.join(host.enabledPath, 'graduate'))
    const install = await host.run(path.join(host.pluginDir, 'install'), [])
    if (install.code !== 0) throw new Error(`install failed (${install.code}): ${install.stderr}`)
    return host
  }

  /** Dokku's environment for plugin scripts (dokku-contract.md §2.5), plus the stubs' state dir and the test run's marker. */
  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const user = os.userInfo().username
    const env: NodeJS.ProcessEnv = {
      PATH: `${stubsDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.dokkuRoot,
      LANG: 'C.UTF-8',
      DOKKU_ROOT: this.dokkuRoot,
      DOKKU_LIB_ROOT: this.libRoot,
      PLUGIN_PATH: path.join(this.libRoot, 'plugins'),
      PLUGIN_AVAILABLE_PATH: this.availablePath,
      PLUGIN_ENABLED_PATH: this.enabledPath,
      DOKKU_SYSTEM_USER: user,
      DOKKU_SYSTEM_GROUP: spawnSync('id', ['-gn'], {encoding: 'utf8'}).stdout.trim(),
      DOKKU_NOT_IMPLEMENTED_EXIT: '10',
      STUB_STATE: this.stubState,
      ...runMarker(),
    }
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value
    return env
  }

  /** An existing app serving `image` from CONTAINER.web.1, with its revision variable set to `rev`. */
  addApp(app: string, options: {image: string; rev?: string; revVar?: string}): {cid: string} {
    const appState = path.join(this.stubState, 'apps', app)
    fs.mkdirSync(path.join(appState, 'config'), {recursive: true})
    if (options.revVar) {
      fs.writeFileSync(path.join(appState, 'rev-env-var'), `${options.revVar}\n`)
      // Where Dokku itself keeps it (git:set <app> rev-env-var): the verbs that read many apps read it there.
      fs.mkdirSync(path.join(this.libRoot, 'config', 'git', app), {recursive: true})
      fs.writeFileSync(path.join(this.libRoot, 'config', 'git', app, 'rev-env-var'), options.revVar)
    }
    if (options.rev !== undefined) this.setConfig(app, options.revVar ?? 'GIT_REV', options.rev)
    const cid = this.addContainer(options.image)
    fs.mkdirSync(path.join(this.dokkuRoot, app), {recursive: true})
    fs.writeFileSync(path.join(this.dokkuRoot, app, 'CONTAINER.web.1'), `${cid}\n`)
    this.tag(`dokku/${app}:latest`, options.image)
    return {cid}
  }

  /**
   * What Dokku has done by the time a build reaches check-deploy (dokku-observed.md §1): the
   * revision variable and `latest` already name the new build, and a new container runs it.
   */
  buildReachesGate(app: string, options: {image: string; rev?: string; revVar?: string}): {cid: string} {
    if (options.rev !== undefined) this.setConfig(app, options.revVar ?? 'GIT_REV', options.rev)
    this.tag(`dokku/${app}:latest`, options.image)
    return {cid: this.addContainer(options.image)}
  }

  addContainer(image: string): string {
    const cid = randomHex(32)
    fs.writeFileSync(path.join(this.stubState, 'containers', `${cid}.image`), `${image}\n`)
    fs.writeFileSync(path.join(this.stubState, 'containers', `${cid}.status`), 'running\n')
    return cid
  }

  /** What Dokku's kill_new does to a container that failed check-deploy: stops it, Exited (143), and leaves it. */
  stopContainer(cid: string): void {
    fs.writeFileSync(path.join(this.stubState, 'containers', `${cid}.status`), 'exited\n')
  }

  /** `running` or `exited` while the container exists; undefined once it was removed. */
  containerStatus(cid: string): string | undefined {
    const file = path.join(this.stubState, 'containers', `${cid}.status`)
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined
  }

  /** Every `docker container rm` fails from now on, as on a daemon that cannot remove. */
  failRemovals(fail = true): void {
    const file = path.join(this.stubState, 'rm-fails')
    if (fail) fs.writeFileSync(file, '')
    else fs.rmSync(file, {force: true})
  }

  /** The container id an app's CONTAINER.<proc>.<index> file names (the release that serves). */
  servingContainer(app: string, key = 'web.1'): string {
    return fs.readFileSync(path.join(this.dokkuRoot, app, `CONTAINER.${key}`), 'utf8').trim()
  }

  tag(tag: string, image: string): void {
    fs.writeFileSync(path.join(this.stubState, 'tags', tag.replaceAll('/', '%2F')), `${image}\n`)
  }

  taggedImage(tag: string): string | undefined {
    const file = path.join(this.stubState, 'tags', tag.replaceAll('/', '%2F'))
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined
  }

  setConfig(app: string, key: string, value: string): void {
    fs.writeFileSync(path.join(this.stubState, 'apps', app, 'config', key), value)
  }

  config(app: string, key: string): string | undefined {
    const file = path.join(this.stubState, 'apps', app, 'config', key)
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
  }

  /** How many times a gate started with `logLockProbes` has probed Dokku's deploy lock (`flock -n`). */
  deployLockProbes(): number {
    const file = path.join(this.stubState, 'flock.log')
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('flock -n ')).length : 0
  }

  /** Every docker and dokku call the plugin made, in order. */
  /** Gives the host the config plugin's config_sub (a stub answering as the dokku stub), which real Dokku has. */
  withConfigSub(): void {
    const dir = path.join(this.availablePath, 'config')
    fs.mkdirSync(dir, {recursive: true})
    fs.symlinkSync(path.join(stubsDir, 'config_sub'), path.join(dir, 'config_sub'))
  }

  calls(): string[] {
    return fs.readFileSync(path.join(this.stubState, 'calls.log'), 'utf8').split('\n').filter(Boolean)
  }

  appStateFile(app: string, name: string): string {
    return path.join(this.dataDir, app, name)
  }

  /** A key=value state file of the plugin, or undefined when it does not exist. */
  state(app: string, name: string): Record<string, string> | undefined {
    const file = this.appStateFile(app, name)
    return fs.existsSync(file) ? parseKeyValues(fs.readFileSync(file, 'utf8')) : undefined
  }

  /** Runs `subcommands/<verb>` as Dokku does: the full command name arrives as $1. */
  async verb(verb: string, args: string[], options: {stdin?: string | Buffer; diskFull?: boolean | 'files'} = {}): Promise<RunResult> {
    return this.run(path.join(this.pluginDir, 'subcommands', verb), [`graduate:${verb}`, ...args], options)
  }

  /**
   * A verb left running with its stdin open, as graduate keeps `graduate:await-switch --then-switch`:
   * `child.stdin` is the channel graduate writes its word to.
   */
  openVerb(verb: string, args: string[]): GateRun {
    const child = spawn(path.join(this.pluginDir, 'subcommands', verb), [`graduate:${verb}`, ...args], {env: this.env(), stdio: ['pipe', 'pipe', 'pipe']})
    child.stdin.on('error', () => {})
    this.children.add(child)
    child.on('close', () => this.children.delete(child))
    return new GateRun(child)
  }

  /**
   * `diskFull`: every write fails, as on a full disk (a verb's scratch directory, every state file);
   * `'files'`: only state files, so a verb's scratch directory is still made and the failure comes at
   * a state write.
   */
  async run(file: string, args: string[], options: {stdin?: string | Buffer; diskFull?: boolean | 'files'; env?: Record<string, string>} = {}): Promise<RunResult> {
    const env = this.env(options.env)
    if (options.diskFull) env['PATH'] = `${options.diskFull === 'files' ? fullDiskFilesDir : fullDiskDir}:${env['PATH']}`
    const child = spawn(file, args, {env, stdio: ['pipe', 'pipe', 'pipe']})
    this.children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    // A script that does not read stdin may exit before we finish writing it.
    child.stdin.on('error', () => {})
    child.stdin.end(options.stdin ?? '')
    return new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) => {
        this.children.delete(child)
        resolve({code, signal, stdout, stderr})
      })
    })
  }

  /** Starts the enabled check-deploy trigger with Dokku's arguments and environment. */
  checkDeploy(app: string, options: CheckDeployOptions): GateRun {
    const proc = options.proc ?? 'web'
    const index = options.index ?? 1
    const port = proc === 'web' ? '5000' : ''
    const args = options.fiveArguments
      ? [app, options.cid, proc, '5000', '172.17.0.9']
      : [app, options.cid, proc, port, '172.17.0.9', String(index)]
    const trigger = path.join(this.enabledPath, 'zz-graduate-gate', 'check-deploy')
    const env = this.env({
      DOKKU_COMMAND: options.command,
      DOKKU_BUILD_ID: options.buildId,
      DOKKU_BUILD_SOURCE: options.buildSource,
      DOKKU_PID: options.dokkuPid === undefined ? undefined : String(options.dokkuPid),
    })
    if (options.logLockProbes) env['PATH'] = `${lockProbesDir}:${env['PATH']}`
    const child = options.underParent
      ? spawn('bash', ['-c', '"$@"; exit $?', 'deploy-process', trigger, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
      : spawn(trigger, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    this.children.add(child)
    child.on('close', () => this.children.delete(child))
    return new GateRun(child)
  }

  /**
   * Dokku's nginx-vhosts firing `nginx-pre-reload APP '' ''` (observed §10): a deploy's rebuild carries
   * its DOKKU_BUILD_ID, a config command's (apps:create, domains:set) none.
   */
  preReload(app: string, options: {buildId?: string; command: string; diskFull?: boolean}): GateRun {
    const trigger = path.join(this.enabledPath, 'zz-graduate-gate', 'nginx-pre-reload')
    const env = this.env({DOKKU_COMMAND: options.command, DOKKU_BUILD_ID: options.buildId, DOKKU_BUILD_SOURCE: options.buildId ? 'git-hook' : undefined})
    if (options.diskFull) env['PATH'] = `${fullDiskDir}:${env['PATH']}`
    const child = spawn(trigger, [app, '', ''], {env, stdio: ['ignore', 'pipe', 'pipe']})
    this.children.add(child)
    child.on('close', () => this.children.delete(child))
    return new GateRun(child)
  }

  /** A long-running stand-in process, e.g. the dokku command a deploy runs under. */
  standIn(): ChildProcess {
    const child = spawn('cat', [], {stdio: ['pipe', 'ignore', 'ignore']})
    this.children.add(child)
    child.on('close', () => this.children.delete(child))
    return child
  }

  /** Holds Dokku's deploy lock of `app` the way a running deploy does (an flock on .deploy.lock). */
  async holdDeployLock(app: string): Promise<DeployLock> {
    const dir = path.join(this.libRoot, 'data', 'apps', app)
    fs.mkdirSync(dir, {recursive: true})
    const child = spawn('flock', ['-x', path.join(dir, '.deploy.lock'), '-c', 'echo locked; exec cat'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    this.children.add(child)
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()))
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve()
      })
    })
    return {
      release: async () => {
        child.stdin.end()
        await closed
        this.children.delete(child)
      },
    }
  }

  /**
   * This host's gate processes still running: gates a test left holding (at check-deploy or at the
   * nginx switch) and the detached watchers an
   * aborting gate leaves to finish after the deploy (subshells with the gate's own command line). Only
   * processes running this host's own copy of the script match, so nothing else is touched.
   */
  private gateProcesses(): {gates: number[]; children: number[]} {
    const scripts = ['check-deploy', 'switch-hold'].map((name) => path.join(this.pluginDir, 'gate', name))
    const gates: number[] = []
    const parents = new Map<number, number>()
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
        const words = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
        if (scripts.some((script) => words.includes(script))) gates.push(Number(entry))
      } catch {
        // exited meanwhile, or another user's process
      }
    }
    const children = [...parents].filter(([, parent]) => gates.includes(parent)).map(([pid]) => pid)
    return {gates, children}
  }

  /**
   * Kills whatever the test left running (only processes this host started) and removes the host.
   * The gates and watchers are stopped first, so none starts another child (a docker call writing
   * into the host) between finding and killing them.
   */
  async dispose(): Promise<void> {
    const stopped = new Set<number>()
    for (let found = this.gateProcesses(); found.gates.some((pid) => !stopped.has(pid)); found = this.gateProcesses()) {
      for (const pid of found.gates) signal(pid, 'SIGSTOP')
      for (const pid of found.gates) stopped.add(pid)
    }
    const {children} = this.gateProcesses()
    const leftovers = [...stopped, ...children]
    for (const pid of leftovers) signal(pid, 'SIGKILL')
    // Each child goes with everything under it: a gate killed alone would leave its `sleep` to init.
    for (const child of this.children) killChildFamily(child)
    await waitFor(() => leftovers.every((pid) => processGone(pid)), 'the gate processes the test left to end')
    fs.rmSync(this.dir, {recursive: true, force: true})
  }
}
