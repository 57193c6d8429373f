import fs from 'node:fs'
import path from 'node:path'
import {pause} from '../session.js'
import {type HostPaths, appDir, dataDir} from '../../host/paths.js'
import type {Output} from '../io.js'
import {type Container, type Image, createContainer, findContainer, saveContainer, stopContainer} from '../store/docker.js'
import {readConfig} from '../store/config-env.js'
import {appendLine, listDir, readText, writeFileAtomic} from '../store/files.js'
import {readRoute, writeRoute} from '../store/nginx.js'
import {computedProperty, getProperty} from '../store/properties.js'
import {readScale} from '../store/scale.js'
import {type HostSettings, readSettings} from '../store/settings.js'
import {type AppTree, checkFailsFor} from './app-tree.js'
import {containerEnv} from './container-env.js'
import {buildNginxConfig} from './nginx.js'
import {runTask} from './task.js'
import {CORE_CHECKS_PLUGIN, runTriggerScript, triggerSteps} from './triggers.js'

/** Everything scheduler-deploy needs: the app, the image to run, and the environment triggers see. */
export interface DeployRun {
  paths: HostPaths
  out: Output
  app: string
  image: Image
  /** The release's Procfile/app.json/.sim.json, read from the image's tree. */
  tree: AppTree
  /** Dokku's environment plus build capture variables (DOKKU_BUILD_ID is absent for ps:scale). */
  env: NodeJS.ProcessEnv
}

interface ContainerResult {
  ok: boolean
  container: Container
}

/** The proxy types that route by container labels, so new containers take traffic at creation (contract §1.3). */
const LABEL_PROXIES = new Set(['traefik', 'caddy', 'haproxy', 'openresty'])

/**
 * scheduler-docker-local's scheduler-deploy (contract §1.1 step 7): web first, one container per
 * index, `formation.<type>.max_parallel` at once, each through every plugin's check-deploy; the
 * nginx switch once all web containers passed; the other types after it; then post-deploy and the
 * old containers' shutdown. Returns false when any step failed, leaving what Dokku would leave.
 */
export async function schedulerDeploy(run: DeployRun, options: {onlyTypes?: string[]} = {}): Promise<boolean> {
  const {out, app, paths} = run
  out.info1(`Deploying ${app} via the docker-local scheduler...`)
  const scale = readScale(paths, app)
  // The deploy trigger with a process type (ps:scale) deploys only that type and retires only its containers.
  const inScope = (key: string) => !options.onlyTypes || options.onlyTypes.includes(key.split('.')[0]!)
  const previous = new Map([...currentContainers(paths, app)].filter(([key]) => inScope(key)))
  const types = Object.keys(scale)
    .filter((type) => inScope(type))
    .sort((a, b) => (a === 'web' ? -1 : b === 'web' ? 1 : a.localeCompare(b)))
  const started: Container[] = []

  for (const proc of types) {
    const count = scale[proc] ?? 0
    if (count === 0) continue
    out.info1(`Deploying ${proc} (count=${count})`)
    const results = await deployProcessType(run, proc, count)
    started.push(...results.map((result) => result.container))
    if (results.some((result) => !result.ok)) return false
    if (proc === 'web' && !(await rebuildProxy(run, results.map((result) => result.container)))) return false
  }

  out.info1('Running post-deploy')
  if (usesNginx(paths, app)) await rebuildNginx(run, {canFail: false})
  renameContainers(run, started, previous)
  if (!(await runTask(paths, out, {app, image: run.image.id, phase: 'postdeploy', source: 'app.json', command: run.tree.postdeploy}))) {
    return false
  }
  const replaced = new Set(started.map((container) => container.id))
  const retiring = [...previous.values()].filter((cid) => !replaced.has(cid))
  out.info1(`Shutting down old containers in ${waitToRetire(paths, app)} seconds`)
  for (const cid of retiring) {
    const container = findContainer(paths, cid)
    if (container && container.state === 'running') stopContainer(paths, container, 143)
  }
  removeScaledDownStateFiles(paths, app, scale, inScope)
  out.info2('Application deployed:')
  for (const vhost of vhosts(paths, app)) out.verbose(`http://${vhost}`)
  return true
}

/** `CONTAINER.<type>.<n>` files of the app: what is deployed now, by `type.n`. */
export function currentContainers(paths: HostPaths, app: string): Map<string, string> {
  const containers = new Map<string, string>()
  for (const file of listDir(appDir(paths, app))) {
    const match = /^CONTAINER\.([A-Za-z0-9_-]+\.\d+)$/.exec(file)
    if (match) containers.set(match[1]!, (readText(path.join(appDir(paths, app), file)) ?? '').trim())
  }
  return containers
}

async function deployProcessType(run: DeployRun, proc: string, count: number): Promise<ContainerResult[]> {
  const maxParallel = Math.max(1, run.tree.formation[proc]?.maxParallel ?? 1)
  const checksDisabled = listProperty(run.paths, run.app, 'disabled').some((entry) => entry === proc || entry === '_all_')
  if (checksDisabled) stopPredecessors(run, proc, count)

  // GNU parallel --halt soon,fail=1: after a failure, running jobs finish and no new one starts.
  const results: ContainerResult[] = []
  const pending = Array.from({length: count}, (_, offset) => offset + 1)
  const running = new Set<Promise<void>>()
  let failed = false
  while (pending.length > 0 || running.size > 0) {
    while (!failed && pending.length > 0 && running.size < maxParallel) {
      const index = pending.shift()!
      const job: Promise<void> = deployContainer(run, proc, index, count, checksDisabled).then((result) => {
        results.push(result)
        running.delete(job)
        if (!result.ok) {
          failed = true
          run.out.out('parallel: This job failed:')
          run.out.out(
            `${path.join(run.paths.pluginAvailable, CORE_CHECKS_PLUGIN, 'bin', 'scheduler-deploy-process-container')} ${run.app} ${run.tree.builder} dokku/${run.app}:latest latest ${proc} ${count} ${index}`,
          )
          if (running.size > 0) run.out.out(`parallel: Starting no more jobs. Waiting for ${running.size} jobs to finish.`)
        }
      })
      running.add(job)
    }
    if (running.size > 0) await Promise.race(running)
    if (failed && running.size === 0) break
  }
  return results.sort((a, b) => a.container.index - b.container.index)
}

async function deployContainer(run: DeployRun, proc: string, index: number, count: number, checksDisabled: boolean): Promise<ContainerResult> {
  const {paths, app, out} = run
  const port = proc === 'web' ? '5000' : ''
  const container = createContainer(paths, {
    app,
    proc,
    index,
    image: run.image.id,
    name: `${app}.${proc}.${index}.upcoming-${Math.floor(1000 + Math.random() * 30000)}`,
    env: containerEnv(paths, app, run.image.id, {DYNO: `${proc}.${index}`, ...(port ? {PORT: port} : {})}),
    port,
  })
  if (proc === 'web' && LABEL_PROXIES.has(proxyType(paths, app))) routeTraffic(paths, run, [container])

  if (!checksDisabled) {
    out.verbose(`Attempting pre-flight checks (${proc}.${index})`)
    const env: NodeJS.ProcessEnv = {
      ...run.env,
      DOKKU_WAIT_TO_RETIRE: String(waitToRetire(paths, app)),
      DOKKU_CHECKS_DISABLED: 'false',
      DOKKU_HEROKUISH: String(run.tree.builder === 'herokuish'),
      DOKKU_CNB: 'false',
      INJECT_INIT_FLAG: '--init',
    }
    const args = [app, container.id, proc, port, container.ip, String(index)]
    for (const step of triggerSteps(paths, 'check-deploy')) {
      const code = step.kind === 'core-checks' ? await coreChecks(run, container) : await runTriggerScript(step.file, args, env, out)
      if (code !== 0) {
        killNew(paths, app, container)
        return {ok: false, container}
      }
    }
  }

  const key = `${proc}.${index}`
  const predecessor = readText(path.join(appDir(paths, app), `CONTAINER.${key}`))
  if (predecessor) out.verbose(`Scheduling old container shutdown in ${waitToRetire(paths, app)} seconds (${key})`)
  writeFileAtomic(path.join(appDir(paths, app), `CONTAINER.${key}`), `${container.id}\n`)
  writeFileAtomic(path.join(appDir(paths, app), `IP.${key}`), `${container.ip}\n`)
  writeFileAtomic(path.join(appDir(paths, app), `PORT.${key}`), `${port}\n`)
  return {ok: true, container}
}

/** Dokku's own check-deploy: the health checks, with the timing and result the release's `.sim.json` asks for. */
async function coreChecks(run: DeployRun, container: Container): Promise<number> {
  const {out, paths, app, tree} = run
  const key = `${container.proc}.${container.index}`
  if (listProperty(paths, app, 'skipped').some((entry) => entry === container.proc || entry === '_all_')) {
    out.verbose(`Zero downtime checks have been skipped (${key})`)
    return 0
  }
  const check =
    container.proc === 'web'
      ? {name: 'port listening check', describe: "attempts=3 port=5000 retries=2 timeout=5 type='listening' wait=5"}
      : {name: 'default', describe: "retries=2 type='uptime' uptime=1"}
  out.info1('Executing 1 healthchecks')
  out.verbose(`Running healthcheck name='${check.name}' ${check.describe}`)
  await pause(tree.sim.checkMs)
  if (checkFailsFor(tree.sim, readConfig(paths, app), container.proc, container.index)) {
    out.info2('Start healthcheck output')
    out.verbose(`${app} ${run.image.rev.slice(0, 7)}`)
    out.info2('End healthcheck output')
    out.warn(`Failure in name='${check.name}': simulated failure (.sim.json checkFails)`)
    out.out(container.id)
    out.warn(`Could not start due to 1 failed checks (${key})`)
    containerOutputMarkers(run, container)
    return 1
  }
  out.verbose(`Healthcheck succeeded name='${check.name}'`)
  out.verbose(`All checks successful (${key})`)
  containerOutputMarkers(run, container)
  return 0
}

function containerOutputMarkers(run: DeployRun, container: Container): void {
  const label = `${container.id.slice(0, 12)} ${container.proc}.${container.index}`
  run.out.info2(`Start of ${run.app} container output (${label})`)
  run.out.info2(`End of ${run.app} container output (${label})`)
}

/**
 * kill_new: the failed container is stopped, listed in scheduler-docker-local's global
 * failed-containers file (observed §3: not the per-app path the contract names) and left for ps:retire.
 */
function killNew(paths: HostPaths, app: string, container: Container): void {
  stopContainer(paths, container, 143)
  appendLine(path.join(dataDir(paths, CORE_CHECKS_PLUGIN), 'failed-containers'), `${container.id} ${container.proc}.${container.index}`)
  appendLine(path.join(dataDir(paths, CORE_CHECKS_PLUGIN, app), 'retired'), `${container.id} ${Math.floor(Date.now() / 1000)}`)
}

/** With checks disabled, Dokku stops the old containers first: downtime, and no check-deploy call. */
function stopPredecessors(run: DeployRun, proc: string, count: number): void {
  for (let index = 1; index <= count; index++) {
    const cid = readText(path.join(appDir(run.paths, run.app), `CONTAINER.${proc}.${index}`))?.trim()
    const container = cid ? findContainer(run.paths, cid) : undefined
    if (container && container.state === 'running') stopContainer(run.paths, container, 143)
  }
}

/** "Triggering early nginx proxy rebuild": the moment web traffic moves to the new containers. */
async function rebuildProxy(run: DeployRun, web: Container[]): Promise<boolean> {
  if (!usesNginx(run.paths, run.app)) return true
  run.out.info2('Triggering early nginx proxy rebuild')
  return rebuildNginx(run, {canFail: true, web})
}

/**
 * One of the deploy's two nginx rebuilds (the early one with the new web containers, core-post-deploy's
 * with nothing new). The host's release tail is the work before it (container renames, network sync);
 * the build itself writes the config, runs nginx-pre-reload and reloads (nginx.ts).
 */
async function rebuildNginx(run: DeployRun, options: {canFail: boolean; web?: Container[]}): Promise<boolean> {
  const {out, paths, app} = run
  await pause(releaseTail(readSettings(paths)))
  out.info1(`Ensuring network configuration is in sync for ${app}`)
  for (const vhost of vhosts(paths, app)) out.info1(`Configuring ${vhost}...(using built-in template)`)
  const route = options.web ? {app, rev: run.image.rev, image: run.image.id, containers: options.web.map((container) => container.id)} : undefined
  return buildNginxConfig({paths, out, app, env: run.env, ...(route ? {route} : {}), verbose: true, canFail: options.canFail})
}

function releaseTail(settings: HostSettings): number {
  const jitter = settings.releaseTailJitterMs ? (Math.random() * 2 - 1) * settings.releaseTailJitterMs : 0
  return Math.max(0, Math.round(settings.releaseTailMs + jitter))
}

/** Label-based proxies route to a container as soon as it starts (contract §1.3): no reload involved. */
function routeTraffic(paths: HostPaths, run: DeployRun, web: Container[]): void {
  const existing = readRoute(paths, run.app)
  // liveSince dates the revision, so a restart onto the same revision keeps it.
  const liveSince = existing && existing.rev === run.image.rev ? existing.liveSince : Date.now()
  writeRoute(paths, {app: run.app, rev: run.image.rev, image: run.image.id, containers: web.map((container) => container.id), liveSince})
}

function usesNginx(paths: HostPaths, app: string): boolean {
  return proxyType(paths, app) === 'nginx' && computedProperty(paths, 'proxy', app, 'disabled', 'false') !== 'true'
}

/** core-post-deploy's container rename: the new containers take the plain names, the old ones get an epoch suffix. */
function renameContainers(run: DeployRun, started: Container[], previous: Map<string, string>): void {
  run.out.info1('Renaming containers')
  const epoch = Math.floor(Date.now() / 1000)
  for (const container of started) {
    const name = `${run.app}.${container.proc}.${container.index}`
    const old = previous.get(`${container.proc}.${container.index}`)
    const oldContainer = old ? findContainer(run.paths, old) : undefined
    if (oldContainer) {
      run.out.verbose(`Found previous container(s) (${oldContainer.id.slice(0, 12)}) named ${name}`)
      run.out.verbose(`Renaming container (${oldContainer.id.slice(0, 12)}) ${name} to ${name}.${epoch}`)
      saveContainer(run.paths, {...oldContainer, name: `${name}.${epoch}`})
    }
    run.out.verbose(`Renaming container ${container.name} (${container.id.slice(0, 12)}) to ${name}`)
    const current = findContainer(run.paths, container.id) ?? container
    saveContainer(run.paths, {...current, name})
  }
}

function removeScaledDownStateFiles(paths: HostPaths, app: string, scale: Record<string, number>, inScope: (key: string) => boolean): void {
  for (const file of listDir(appDir(paths, app))) {
    const match = /^(?:CONTAINER|IP|PORT)\.([A-Za-z0-9_-]+)\.(\d+)$/.exec(file)
    if (match && inScope(match[1]!) && Number(match[2]) > (scale[match[1]!] ?? 0)) fs.rmSync(path.join(appDir(paths, app), file), {force: true})
  }
}

export function proxyType(paths: HostPaths, app: string): string {
  return computedProperty(paths, 'proxy', app, 'type', 'nginx')
}

export function vhosts(paths: HostPaths, app: string): string[] {
  const configured = getProperty(paths, 'domains', app, 'vhosts')
  if (configured !== undefined) return configured.split('\n').filter(Boolean)
  return [`${app}.${readSettings(paths).vhostDomain}`]
}

function waitToRetire(paths: HostPaths, app: string): number {
  return Number(computedProperty(paths, 'checks', app, 'wait-to-retire', '60'))
}

function listProperty(paths: HostPaths, app: string, key: string): string[] {
  const value = getProperty(paths, 'checks', app, key)
  return value ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : []
}
