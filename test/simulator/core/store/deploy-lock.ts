import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {type HostPaths, dataDir} from '../../host/paths.js'
import {currentSession} from '../session.js'

/**
 * Dokku's per-app deploy lock: an flock on `$DOKKU_LIB_ROOT/data/apps/<app>/.deploy.lock`, taken
 * non-blocking, held for the whole deploy, with the build id written into the file
 * (acquire_advisory_lock in plugins/common/functions). Node cannot flock, so the real `flock`
 * binary locks our open file description and exits; the lock lives as long as this process keeps
 * the descriptor open, exactly like Dokku's fd 200 — and the gate plugin can probe it the same way.
 * The descriptor belongs to the command that took it: if that command is killed, it is closed (the
 * lock freed) as the kernel would close a killed process's (core/session.ts).
 * `flock -n` returns at once, so it runs synchronously.
 */
export class DeployLock {
  private readonly forget: () => void

  private constructor(
    private readonly file: string,
    private fd: number | undefined,
  ) {
    // Killed: the descriptor closes, the file stays (as after a killed Dokku deploy).
    this.forget = currentSession().hold(() => this.close())
  }

  private close(): void {
    if (this.fd === undefined) return
    fs.closeSync(this.fd)
    this.fd = undefined
  }

  static lockFile(paths: HostPaths, app: string): string {
    return path.join(dataDir(paths, 'apps', app), '.deploy.lock')
  }

  /** undefined when another deploy holds it. */
  static tryAcquire(paths: HostPaths, app: string, buildId: string): DeployLock | undefined {
    const file = DeployLock.lockFile(paths, app)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    const fd = fs.openSync(file, 'w')
    const result = spawnSync('flock', ['-n', '3'], {stdio: ['ignore', 'ignore', 'ignore', fd]})
    if (result.status !== 0) {
      fs.closeSync(fd)
      return undefined
    }
    fs.writeSync(fd, `${buildId}\n`)
    return new DeployLock(file, fd)
  }

  /** Whether a live deploy holds the lock (what `apps:report --app-locked` cannot tell apart from apps:lock). */
  static isHeld(paths: HostPaths, app: string): boolean {
    const file = DeployLock.lockFile(paths, app)
    if (!fs.existsSync(file)) return false
    const fd = fs.openSync(file, 'r')
    try {
      return spawnSync('flock', ['-n', '3'], {stdio: ['ignore', 'ignore', 'ignore', fd]}).status !== 0
    } finally {
      fs.closeSync(fd)
    }
  }

  release(): void {
    if (this.fd === undefined) return
    this.forget()
    this.close()
    fs.rmSync(this.file, {force: true})
  }
}
