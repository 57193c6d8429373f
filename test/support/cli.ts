import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {spawn, type ChildProcess} from 'node:child_process'
import YAML from 'yaml'
import type {Simulator} from '../simulator/index.js'
import {killAtTeardown} from './child-processes.js'

export const REPOSITORY = path.resolve(__dirname, '..', '..')
export const BIN = path.join(REPOSITORY, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed as NDJSON, when it is. */
  events: Array<Record<string, unknown> & {type: string; ts: string}>
}

/**
 * A scratch home for one CLI run: HOME, XDG state and cache dirs of its own, so the user's
 * ~/.ssh, journal and git cache are never touched.
 */
export function scratchHome(): {dir: string; env: NodeJS.ProcessEnv} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-home-'))
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GRADUATE_|SSH_AUTH_SOCK$|CI$|GITHUB_|GIT_)/.test(key)) continue
    env[key] = value
  }
  return {dir, env: {...env, HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CACHE_HOME: path.join(dir, 'cache'), NO_COLOR: '1'}}
}

/**
 * Runs the built `graduate` binary, without blocking this process (the simulator's sshd runs here).
 * A run still going when its test ends (a failed wait, a crash test) is killed with its hooks.
 */
export function startCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): {child: ChildProcess; result: Promise<CliResult>} {
  const child = killAtTeardown(spawn(process.execPath, [BIN, ...args], {cwd: options.cwd ?? REPOSITORY, env: options.env ?? scratchHome().env, stdio: ['pipe', 'pipe', 'pipe']}))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  // graduate may exit before it reads its input (a refusal at once); its exit code says why.
  child.stdin!.on('error', () => {})
  child.stdin!.end(options.input ?? '')
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr, events: parseEvents(stdout)}))
  })
  return {child, result}
}

export function runCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): Promise<CliResult> {
  return startCli(args, options).result
}

function parseEvents(stdout: string): CliResult['events'] {
  const events: CliResult['events'] = []
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      events.push(JSON.parse(line) as CliResult['events'][number])
    } catch {
      return []
    }
  }
  return events
}

/** An environment of the manifest pointing at a simulated host, with the simulator's key and known_hosts. */
export function simEnvironment(sim: Simulator, host: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: `dokku@127.0.0.1:${sim.host(host).port}`,
    identityFile: sim.clientKeyPath,
    knownHostsFile: sim.knownHostsPath,
    ...extra,
  }
}

/** Writes a manifest (an object) as YAML into a fresh directory and returns its path. */
export function writeManifest(manifest: Record<string, unknown>, name = 'graduate.yml'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-manifest-'))
  const file = path.join(dir, name)
  fs.writeFileSync(file, YAML.stringify(manifest))
  return file
}
