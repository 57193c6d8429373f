import fs from 'node:fs'
import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import type {Output} from '../io.js'
import {listDir} from '../store/files.js'
import {currentSession} from '../session.js'

/** The plugin whose check-deploy is Dokku's own health check; the simulator runs that step itself. */
export const CORE_CHECKS_PLUGIN = 'scheduler-docker-local'

export type TriggerStep = {kind: 'core-checks'} | {kind: 'script'; plugin: string; file: string}

/**
 * plugn's `trigger`: every enabled plugin's executable `<trigger>` in glob (alphabetical) order,
 * with Dokku's own check placed where its plugin sorts.
 */
export function triggerSteps(paths: HostPaths, trigger: string): TriggerStep[] {
  const steps: TriggerStep[] = []
  for (const plugin of listDir(paths.pluginEnabled)) {
    if (plugin === CORE_CHECKS_PLUGIN && trigger === 'check-deploy') {
      steps.push({kind: 'core-checks'})
      continue
    }
    const file = path.join(paths.pluginEnabled, plugin, trigger)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) steps.push({kind: 'script', plugin, file})
    } catch {
      // not executable or absent: plugn skips it
    }
  }
  return steps
}

/** Runs one plugin's trigger script as a real process, its output joined into the deploy's. */
export function runTriggerScript(file: string, args: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const session = currentSession()
  return session.waitFor(new Promise((resolve) => {
    const child = session.spawn(file, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout!.on('data', (chunk: Buffer) => out.passthrough(chunk))
    child.stderr!.on('data', (chunk: Buffer) => out.passthrough(chunk, true))
    child.on('error', () => resolve(126))
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)))
  }))
}
