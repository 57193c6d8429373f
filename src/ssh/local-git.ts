import {spawn} from 'node:child_process'
import {PreflightError} from '../errors.js'
import {collectOutput} from './collect-output.js'
import type {ExecResult, GitOptions} from './transport.js'

/**
 * Runs local git in its own process group, so a timeout or abort also kills the ssh (here: the bridge
 * helper) git started — killing git alone leaves its ssh running (dokku-observed.md §4).
 * `env` adds to graduate's environment; a variable set to undefined is left out.
 * When the deadline passes, rejects with `timeoutError()`; when aborted, with the signal's reason.
 */
export function runLocalGit(
  args: string[],
  options: GitOptions & {env: Record<string, string | undefined>; timeoutError: () => Error},
): Promise<Omit<ExecResult, 'durationMs'>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: {...process.env, ...options.env},
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stdout = collectOutput(child.stdout, options.onStdout)
    const stderr = collectOutput(child.stderr, options.onStderr)
    let settled = false

    const finish = () => {
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const stop = (reason: Error) => {
      if (settled) return
      finish()
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM')
        } catch {
          // The group has already exited.
        }
      }
      reject(reason)
    }
    const timer = setTimeout(() => stop(options.timeoutError()), options.timeoutMs)
    const onAbort = () => stop(options.signal?.reason as Error)
    options.signal?.addEventListener('abort', onAbort, {once: true})

    child.once('error', (error) => stop(new PreflightError(`cannot run git: ${error.message}`, 'install git and make sure it is on PATH')))
    child.once('close', (code, signal) => {
      if (settled) return
      finish()
      resolve({exitCode: code, signal, stdout: stdout(), stderr: stderr()})
    })
  })
}
