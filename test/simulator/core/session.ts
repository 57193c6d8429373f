import {AsyncLocalStorage} from 'node:async_hooks'
import {type ChildProcess, type SpawnOptions, spawn} from 'node:child_process'

/**
 * One Dokku core command running inside the simulator process (core/server.ts): what used to be a
 * process of its own. Everything a process had implicitly is here explicitly: its environment, its
 * pid (the client's, which stands in for it), whether its SSH session hung up, the children it
 * started, and what the kernel would release if it were killed (its deploy-lock descriptors).
 *
 * Core code finds the command it runs for through {@link currentSession} (AsyncLocalStorage), so
 * helpers deep in the deploy pipeline need no extra parameter.
 */
export class CommandSession {
  hungUp = false
  private deployOutlivesHangup = false
  /** The client died before the command ended: the command is as dead as a SIGKILLed process. */
  killed = false
  done = false
  private readonly children = new Set<ChildProcess>()
  private readonly resources = new Set<() => void>()

  constructor(
    /** The client's pid: the process that stands for this command on the host (temp names, build records). */
    readonly pid: number,
    readonly env: NodeJS.ProcessEnv,
    /** The client's working directory: where the command's children start unless told otherwise. */
    readonly cwd: string = process.cwd(),
  ) {}

  /**
   * Starts a child of this command. It gets a process group of its own, so that what the SSH
   * session's process group would have received — the hangup, a SIGKILL — can be delivered to the
   * child and everything under it (see {@link hangUp} and {@link kill}).
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    if (this.killed) throw new CommandKilled()
    const env = options.env ? {...options.env, ...runMarker()} : this.env
    const child = spawn(command, args, {...options, cwd: options.cwd ?? this.cwd, env, detached: true})
    if (child.pid !== undefined) {
      this.children.add(child)
      child.on('exit', () => this.children.delete(child))
    }
    return child
  }

  /** A descriptor (or anything) the kernel would release when the process died; returns its deregistration. */
  hold(release: () => void): () => void {
    this.resources.add(release)
    return () => this.resources.delete(release)
  }

  /** The session's client got SIGHUP: so do the command's children, as members of the session's process group did. */
  hangUp(): void {
    this.hungUp = true
    if (!this.deployOutlivesHangup) this.signalChildren('SIGHUP')
  }

  /**
   * A deploy's processes outlive the push that started it: on a real host, once the pushing client was
   * gone, git receive-pack and the pre-receive hook exited but the `dokku git-hook` → scheduler →
   * check-deploy chain stayed and nothing reached it (dokku-observed.md §4). So the deploy's children
   * (release tasks, triggers, post-deploy) are not given the hangup; the command only notes it.
   */
  outliveHangup(): void {
    this.deployOutlivesHangup = true
  }

  /**
   * The client died before the command ended (the session's process group was SIGKILLed, or the
   * simulator stops). A killed Dokku process does nothing more: its children in the same process group
   * die with it, the kernel closes its descriptors (releasing its flock deploy lock), and its own
   * code never runs again — here every pending wait of the command ({@link waitFor}) never resolves.
   * A lone `kill -9` of just the dokku process (builds:cancel) would leave its children running;
   * the simulator does not model that (it has no builds:cancel) and takes the harsher group kill.
   */
  kill(): void {
    if (this.killed || this.done) return
    this.killed = true
    this.signalChildren('SIGKILL')
    for (const release of this.resources) {
      try {
        release()
      } catch {
        // already released
      }
    }
    this.resources.clear()
  }

  /** Children still running (for tests and stop()). */
  liveChildren(): number {
    return this.children.size
  }

  private signalChildren(signal: NodeJS.Signals): void {
    for (const child of this.children) {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // the group is gone
      }
    }
  }

  /**
   * Awaits `promise` as this command: if the command is (or gets) killed, the result never arrives
   * and the command's code stops here, as a killed process's would.
   */
  waitFor<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      promise.then(
        (value) => {
          if (!this.killed) resolve(value)
        },
        (error: unknown) => {
          if (!this.killed) reject(error)
        },
      )
    })
  }
}

/**
 * The test suite's run marker (test/support/leftover-processes.ts), when the simulator runs under it.
 * A child given an environment of its own (a container's is built from scratch) keeps it, so the
 * suite's final check still finds a release task or `dokku run` command left running.
 */
const RUN_MARKER_VARIABLES = ['LEAKCHECK_RUN_ID', 'LEAKCHECK_TEST_FILE']

function runMarker(): NodeJS.ProcessEnv {
  const marker: NodeJS.ProcessEnv = {}
  for (const name of RUN_MARKER_VARIABLES) if (process.env[name] !== undefined) marker[name] = process.env[name]
  return marker
}

/** Thrown when a killed command tries to start something. */
export class CommandKilled extends Error {
  constructor() {
    super('the command was killed')
  }
}

const storage = new AsyncLocalStorage<CommandSession>()

export function runInSession<T>(session: CommandSession, fn: () => T): T {
  return storage.run(session, fn)
}

/** The command this code runs for; a detached one (provisioning code outside any command) when none. */
export function currentSession(): CommandSession {
  return storage.getStore() ?? DETACHED
}

/** For code outside any command (tests calling core helpers directly): never hung up, never killed. */
const DETACHED = new CommandSession(process.pid, process.env)

/** Whether this command's SSH session hung up (the client went away). */
export function sessionHungUp(): boolean {
  return currentSession().hungUp
}

/** A timer of the current command (a build, a check, the release tail) that stops with it. */
export function pause(ms: number): Promise<void> {
  return currentSession().waitFor(new Promise<void>((resolve) => setTimeout(resolve, ms)))
}

/** A child of the current command (see {@link CommandSession.spawn}). */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return currentSession().spawn(command, args, options)
}

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * spawnSync's replacement that does not block the simulator's event loop (other hosts' commands, and
 * any `dokku` the child itself calls back into): runs to the end collecting output, as the current command.
 */
export function runChild(command: string, args: readonly string[], options: SpawnOptions & {input?: string} = {}): Promise<ChildResult> {
  const session = currentSession()
  const {input, ...spawnOptions} = options
  return session.waitFor(
    new Promise<ChildResult>((resolve) => {
      let child: ChildProcess
      try {
        child = session.spawn(command, args, {...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
      } catch (error) {
        resolve({code: 127, signal: null, stdout: '', stderr: String(error)})
        return
      }
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
      child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk))
      if (input !== undefined) {
        child.stdin!.on('error', () => {})
        child.stdin!.end(input)
      }
      child.on('error', (error) => resolve({code: 127, signal: null, stdout: '', stderr: error.message}))
      child.on('close', (code, signal) =>
        resolve({code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')}),
      )
    }),
  )
}
