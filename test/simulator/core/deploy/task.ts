import type {HostPaths} from '../../host/paths.js'
import type {Output} from '../io.js'
import {imageFsDir, randomContainerId} from '../store/docker.js'
import {containerEnv} from './container-env.js'
import {currentSession} from '../session.js'

/**
 * Runs a release-phase task (app.json predeploy/postdeploy, Procfile release) the way app-json's
 * executeScript does: in an ephemeral container of the image, output between Start/End markers.
 */
export async function runTask(
  paths: HostPaths,
  out: Output,
  details: {app: string; image: string; phase: 'predeploy' | 'release' | 'postdeploy'; source: string; command: string | undefined},
): Promise<boolean> {
  out.info1(`Checking for ${details.phase} task`)
  if (!details.command) {
    out.verbose(`No ${details.phase} task found, skipping`)
    return true
  }
  const where = details.phase === 'predeploy' ? '' : ' in ephemeral container'
  out.verbose(`Executing ${details.phase} task from ${details.source}${where}: ${details.command}`)
  const cid = randomContainerId()
  const chunks: string[] = []
  const session = currentSession()
  const code = await session.waitFor(new Promise<number>((resolve) => {
    const child = session.spawn('/bin/sh', ['-c', details.command!], {
      cwd: imageFsDir(paths, details.image),
      env: containerEnv(paths, details.app, details.image, {DYNO: `${details.phase}.1`}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
    child.on('error', () => resolve(127))
    child.on('close', (exitCode) => resolve(exitCode ?? 1))
  }))
  out.info2Quiet(`Start of ${details.app} ${details.phase} task (${cid.slice(0, 9)}) output`)
  for (const line of chunks.join('').split('\n')) if (line !== '') out.verboseQuiet(line)
  out.info2Quiet(`End of ${details.app} ${details.phase} task (${cid.slice(0, 9)}) output`)
  if (code !== 0) {
    out.warn(`Execution of ${details.phase} task failed: ${details.command}`)
    return false
  }
  return true
}
