import {spawn} from 'node:child_process'
import {stat} from 'node:fs/promises'
import type {Readable, Writable} from 'node:stream'
import {OutputLines} from '../output-lines.js'
import type {HookEnd, HookIo, OutputStream} from './runner.js'

/** How long a stopped hook gets between SIGTERM and SIGKILL, as `docker stop` allows. */
export const DEFAULT_KILL_GRACE_MS = 10_000

export interface LocalHookOptions {
  killGraceMs?: number
}

/**
 * Runs `/bin/sh -c <command>` on this machine in `cwd` with `env`. stdin is /dev/null: nobody answers a
 * hook's questions. The shell leads its own process group, so stopping the hook reaches everything it
 * started: SIGTERM to the group, then SIGKILL to whatever is left after the grace period. The hook is done
 * once its shell has exited and its output is closed, as in a shell pipeline.
 */
export async function runLocalHook(
  action: {command: string; cwd: string},
  env: NodeJS.ProcessEnv,
  io: HookIo,
  options: LocalHookOptions = {},
): Promise<HookEnd> {
  const missing = await missingDirectory(action.cwd)
  if (missing !== undefined) return {kind: 'failed-to-run', reason: missing}
  if (io.stop.aborted) return {kind: 'stopped', how: 'it was not started'}

  // The command starts only once its watchdog watches: the shell waits for a word on fd 3 and then
  // becomes `sh -c <command>` (same pid and group). If graduate dies before the word, the command never runs.
  const child = spawn('/bin/sh', ['-c', GATED_START, 'graduate-hook', action.command], {cwd: action.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
  const stdout = streamLines(child.stdout!, 'stdout', io)
  const stderr = streamLines(child.stderr!, 'stderr', io)
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid, graceMs)
  const go = child.stdio[3] as Writable | null
  go?.on('error', () => {})
  go?.end('go\n')
  let stopping = false
  const timers: NodeJS.Timeout[] = []
  const after = (ms: number, action: () => void) => {
    const timer = setTimeout(action, ms)
    timer.unref()
    timers.push(timer)
  }

  const terminate = () => {
    stopping = true
    signalGroup(child.pid, 'SIGTERM')
    after(graceMs, () => {
      signalGroup(child.pid, 'SIGKILL')
      // The group's pipes close as its processes die; one that left the group (setsid) could hold them
      // open for ever, so stop reading them after one more grace period.
      after(graceMs, () => {
        stdout.destroy()
        stderr.destroy()
      })
    })
  }

  return new Promise<HookEnd>((resolve) => {
    child.once('error', (error) => {
      watchdog?.release()
      io.stop.removeEventListener('abort', terminate)
      resolve({kind: 'failed-to-run', reason: `/bin/sh could not be started: ${error.message}`})
    })
    child.once('close', (exitCode, signal) => {
      watchdog?.release()
      io.stop.removeEventListener('abort', terminate)
      // Members of the group that ignore SIGTERM and hold no pipe are still SIGKILLed when the grace ends.
      if (!groupExists(child.pid)) for (const timer of timers) clearTimeout(timer)
      if (stopping) resolve({kind: 'stopped', how: 'its processes were terminated'})
      else if (exitCode !== null) resolve({kind: 'exited', exitCode})
      else resolve({kind: 'killed', signal: signal ?? 'an unknown signal'})
    })
    io.stop.addEventListener('abort', terminate, {once: true})
  })
}

/** Waits for graduate's word on fd 3 (end of file: graduate is gone, run nothing), then runs the command. */
const GATED_START = 'read -r _ <&3 && exec 3<&- && exec /bin/sh -c "$1"'

/*
 * The watchdog's script: $1 is the hook's process group, $2 the seconds between SIGTERM and SIGKILL, $3
 * graduate's pid. It reads its stdin, a pipe whose only writer is graduate: a line means the hook ended
 * and graduate lets it go; end of file without one means graduate is gone (kill -9, a crash), so it stops
 * the hook's group the way graduate itself would have. A poller beside it checks every second that
 * graduate still exists and does the same if not: the end of file is the fast path, and should anything
 * keep the pipe open after graduate died, the hook still goes down (and the watchdog with it).
 */
const WATCHDOG_SCRIPT = [
  'stop_hook() { kill -TERM -"$1" 2>/dev/null || return 0; sleep "$2"; kill -KILL -"$1" 2>/dev/null; }',
  '(while kill -0 "$3" 2>/dev/null; do sleep 1; done; stop_hook "$1" "$2"; kill "$$" 2>/dev/null) </dev/null &',
  'poller=$!',
  'if read -r _; then kill "$poller" 2>/dev/null; exit 0; fi',
  'kill "$poller" 2>/dev/null',
  'stop_hook "$1" "$2"',
  'exit 0',
].join('\n')

/**
 * A local hook runs in its own process group, so nothing delivers graduate's death to it: a migration
 * would go on against a graduation whose gates have aborted. A tiny detached shell watches graduate
 * through a pipe instead (and its pid, once a second), and takes the hook's group down when graduate is
 * gone. If the watchdog cannot start, the hook runs as it would without one.
 */
function startWatchdog(group: number, graceMs: number): {release: () => void} {
  const grace = String(Math.max(1, Math.ceil(graceMs / 1000)))
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'graduate-hook-watchdog', String(group), grace, String(process.pid)], {
    // Its own session: a Ctrl-C or a hang-up meant for graduate must not take the watchdog first.
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  watchdog.once('error', () => {})
  watchdog.stdin!.on('error', () => {})
  watchdog.unref()
  let released = false
  return {
    release: () => {
      if (released) return
      released = true
      watchdog.stdin!.end('done\n')
    },
  }
}

async function missingDirectory(cwd: string): Promise<string | undefined> {
  try {
    if ((await stat(cwd)).isDirectory()) return undefined
    return `its working directory ${cwd} is not a directory; local hooks run in the manifest's directory`
  } catch {
    return `its working directory ${cwd} does not exist; local hooks run in the manifest's directory`
  }
}

function streamLines(stream: Readable, name: OutputStream, io: HookIo): Readable {
  const lines = new OutputLines((line) => io.output(name, line))
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => lines.write(chunk))
  // 'end' comes before the child's 'close'; 'close' alone covers a stream destroyed after SIGKILL.
  stream.once('end', () => lines.end())
  stream.once('close', () => lines.end())
  return stream
}

function signalGroup(leader: number | undefined, signal: NodeJS.Signals): void {
  if (leader === undefined) return
  try {
    process.kill(-leader, signal)
  } catch (error) {
    // ESRCH: the whole group is gone already.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

function groupExists(leader: number | undefined): boolean {
  if (leader === undefined) return false
  try {
    process.kill(-leader, 0)
    return true
  } catch {
    return false
  }
}
