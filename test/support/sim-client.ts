import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import type {Simulator} from '../simulator/index.js'
import {killAtTeardown} from './child-processes.js'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a program without blocking the event loop (the simulator's sshd lives in this process). */
export function run(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, {cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8'}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({code, stdout, stderr})
    })
    // A program that exits before reading its input (ssh to a host that is off the network) closes
    // the pipe under us; its exit code tells the story, so the write error is not news.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input ?? '')
  })
}

/** OpenSSH client options for a simulated host: its key, its known_hosts line, strict checking, no prompts. */
export function sshOptions(sim: Simulator, host: string): string[] {
  return ['-i', sim.clientKeyPath, '-o', `UserKnownHostsFile=${sim.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-p', String(sim.host(host).port)]
}

/** `ssh <user>@host -- <args…>` with the system OpenSSH client; args are joined by ssh with spaces, as always. */
export function ssh(sim: Simulator, host: string, args: string[], options: {user?: 'dokku' | 'root'; input?: string} = {}): Promise<RunResult> {
  return run('ssh', [...sshOptions(sim, host), `${options.user ?? 'dokku'}@127.0.0.1`, '--', ...args], {input: options.input ?? ''})
}

export function gitEnv(sim: Simulator, host: string): NodeJS.ProcessEnv {
  return {...process.env, GIT_SSH_COMMAND: `ssh ${sshOptions(sim, host).join(' ')}`, GIT_TERMINAL_PROMPT: '0'}
}

/** A local working copy of an app cloned from a simulated host, checked out at its deploy branch. */
export class WorkingCopy {
  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async clone(sim: Simulator, host: string, app: string, branch = 'main'): Promise<WorkingCopy> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wc-${app}-`))
    const env = gitEnv(sim, host)
    const clone = await run('git', ['clone', '-q', `dokku@127.0.0.1:${app}`, dir], {env})
    if (clone.code !== 0) throw new Error(`clone failed: ${clone.stderr}`)
    await run('git', ['-C', dir, 'checkout', '-q', branch], {env})
    const copy = new WorkingCopy(dir, env)
    await copy.git(['config', 'user.email', 'test@example.test'])
    await copy.git(['config', 'user.name', 'Test'])
    return copy
  }

  git(args: string[]): Promise<RunResult> {
    return run('git', ['-C', this.dir, ...args], {env: this.env})
  }

  /** Commits these files (added or replaced) and returns the new sha. */
  async commit(files: Record<string, string>, message = 'change'): Promise<string> {
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, file)), {recursive: true})
      fs.writeFileSync(path.join(this.dir, file), content)
    }
    await this.git(['add', '-A'])
    const result = await this.git(['commit', '-q', '-m', message])
    if (result.code !== 0) throw new Error(`commit failed: ${result.stderr}`)
    return (await this.git(['rev-parse', 'HEAD'])).stdout.trim()
  }

  push(refspec = 'HEAD:main'): Promise<RunResult> {
    return this.git(['push', 'origin', refspec])
  }

  /**
   * A push left running, for holds; `output` collects its stderr (where git shows `remote:` lines).
   * Killed with its process group when the test ends, should it still be held then.
   */
  startPush(refspec = 'HEAD:main'): {child: ChildProcess; output: () => string; exit: Promise<number | null>} {
    const child = killAtTeardown(spawn('git', ['-C', this.dir, 'push', 'origin', refspec], {env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true}))
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    return {child, output: () => output, exit}
  }

  remove(): void {
    fs.rmSync(this.dir, {recursive: true, force: true})
  }
}

/** What the host's router serves for the app right now. */
export async function liveRev(sim: Simulator, host: string, app: string): Promise<string | undefined> {
  const response = await fetch(`http://127.0.0.1:${sim.host(host).routerPort}/${app}/`)
  if (!response.ok) return undefined
  return ((await response.json()) as {rev: string}).rev
}

/**
 * Waits until `probe` returns a value other than undefined/false, checking every `intervalMs`, and
 * fails with `description` after `timeoutMs`. This waits on state; it never stands in for it.
 */
export async function waitFor<T>(description: string, probe: () => T | Promise<T>, options: {timeoutMs?: number; intervalMs?: number} = {}): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`)
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50))
  }
}

export function simApp(name: string, files: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {name, revisions: [{files: {'app.txt': `${name} v1`, ...files}, message: `${name} v1`}], ...extra}
}
