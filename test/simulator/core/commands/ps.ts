import type {CoreCommand, CoreContext} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {finishBuild} from '../store/builds.js'
import {findContainer, findImage, imageFsDir} from '../store/docker.js'
import {readAppTree} from '../deploy/app-tree.js'
import {computedDeployBranch, refSha} from '../store/git-repo.js'
import {GLOBAL, getProperty} from '../store/properties.js'
import {readScale, writeScale} from '../store/scale.js'
import {deployedImage, receiveApp, releaseAndDeploy, startCapture} from '../deploy/release.js'
import {currentContainers} from '../deploy/scheduler.js'
import {report} from './report.js'

export const psReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'ps', trimPrefix: true, emitLegacyPrefix: true, listedFlags: (flags) => Object.keys(flags).filter((flag) => !flag.startsWith('--status-'))},
    (app) => {
      const containers = currentContainers(ctx.paths, app)
      const states = [...containers.values()].map((cid) => findContainer(ctx.paths, cid)?.state ?? 'missing')
      const running = states.length === 0 ? 'false' : states.every((state) => state === 'running') ? 'true' : states.some((state) => state === 'running') ? 'mixed' : 'false'
      const prop = (key: string) => getProperty(ctx.paths, 'ps', app, key) ?? ''
      const global = (key: string) => getProperty(ctx.paths, 'ps', GLOBAL, key) ?? ''
      const flags: Record<string, string> = {
        '--deployed': String(containers.size > 0),
        '--processes': String(containers.size),
        '--ps-can-scale': 'true',
        '--ps-computed-dockerfile-start-cmd': '',
        '--ps-computed-procfile-path': prop('procfile-path') || 'Procfile',
        '--ps-computed-restart-policy': prop('restart-policy') || 'on-failure:10',
        '--ps-computed-skip-deploy': prop('skip-deploy') || global('skip-deploy') || 'false',
        '--ps-computed-start-cmd': '',
        '--ps-computed-stop-timeout-seconds': '30',
        '--ps-dockerfile-start-cmd': '',
        '--ps-global-procfile-path': global('procfile-path'),
        '--ps-global-restart-policy': global('restart-policy'),
        '--ps-global-skip-deploy': global('skip-deploy'),
        '--ps-global-stop-timeout-seconds': '',
        '--ps-procfile-path': prop('procfile-path'),
        '--ps-restart-policy': prop('restart-policy'),
        '--ps-skip-deploy': prop('skip-deploy'),
        '--ps-start-cmd': '',
        '--ps-stop-timeout-seconds': '',
        '--restore': prop('restore') || 'true',
        '--running': running,
      }
      for (const [key, cid] of containers) {
        const container = findContainer(ctx.paths, cid)
        flags[`--status-${key}`] = `${container?.state === 'running' ? 'running' : 'stopped'} (CID: ${cid.slice(0, 11)})`
      }
      return flags
    },
    (app) => verifyApp(ctx.paths, app),
  )

/** ps:restart: redeploys `latest` (or the last release pushed) with no lock and no release phase (contract §1.5); a build record of kind deploy. */
export const psRestart: CoreCommand = async (ctx, args) => {
  const app = verifyApp(ctx.paths, args.slice(1).find((arg) => !arg.startsWith('--')))
  return deployLatest(ctx, app, {source: 'ps:restart', releasePhase: false})
}

/** ps:rebuild: rebuilds the deploy branch's tip under the deploy lock, without touching GIT_REV. */
export const psRebuild: CoreCommand = async (ctx, args) => {
  const app = verifyApp(ctx.paths, args.slice(1).find((arg) => !arg.startsWith('--')))
  const branch = computedDeployBranch(ctx.paths, app)
  const sha = refSha(ctx.paths, app, `refs/heads/${branch}`)
  if (!sha) {
    ctx.out.out(`-----> WARNING: Cannot build from '${branch}' as there are no commits stored at that branch.`)
    return 1
  }
  return receiveApp(ctx, app, sha, {source: 'ps:rebuild', setRevVar: false})
}

/**
 * ps:scale <app> type=N…: stores the scale, then deploys only the process types whose count changed
 * (plugins/ps/functions.go, scaleSet). These deploys carry no DOKKU_BUILD_ID (dokku-observed.md §5),
 * which is exactly why the gate refuses build-less deploys while armed. An app whose app.json has a
 * formation cannot be scaled by hand. Without tuples it reports the scale (`--format json` as a list of
 * `{process_type, quantity}`).
 */
export const psScale: CoreCommand = async (ctx, args) => {
  const rest = args.slice(1)
  const formatAt = rest.indexOf('--format')
  const format = formatAt === -1 ? 'stdout' : rest[formatAt + 1]
  const positional = rest.filter((arg, index) => !arg.startsWith('--') && (formatAt === -1 || index !== formatAt + 1))
  const app = verifyApp(ctx.paths, positional[0])
  const tuples = positional.slice(1)
  const scale = readScale(ctx.paths, app)
  if (tuples.length === 0 && format === 'json') {
    // scaleReport's json: the formations sorted by process type, `[]` when no scale is set.
    const formations = Object.keys(scale)
      .sort()
      .map((type) => ({process_type: type, quantity: scale[type]}))
    ctx.out.out(JSON.stringify(formations))
    return 0
  }
  if (tuples.length === 0) {
    ctx.out.info1Quiet(`Scaling for ${app}`)
    ctx.out.out('proctype: qty')
    ctx.out.out('--------: ---')
    for (const [type, quantity] of Object.entries(scale)) ctx.out.out(`${`${type}:`.padEnd(9)} ${quantity}`)
    return 0
  }
  const latest = findImage(ctx.paths, `dokku/${app}:latest`)
  if (latest && Object.keys(readAppTree(imageFsDir(ctx.paths, latest.id)).formation).length > 0) {
    fail(`App ${app} contains an app.json file with a formations key and cannot be manually scaled`)
  }
  const changed: string[] = []
  for (const tuple of tuples) {
    const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(tuple)
    if (!match) fail(`Invalid process tuple: ${tuple}`)
    if (scale[match[1]!] !== Number(match[2])) changed.push(match[1]!)
    scale[match[1]!] = Number(match[2])
  }
  ctx.out.info1(`Scaling ${app} processes: ${tuples.join(' ')}`)
  writeScale(ctx.paths, app, scale)
  if (args.includes('--skip-deploy') || currentContainers(ctx.paths, app).size === 0) return 0
  const env = {...ctx.env}
  delete env['DOKKU_BUILD_ID']
  delete env['DOKKU_BUILD_SOURCE']
  for (const type of changed) {
    const ok = await releaseAndDeploy({...ctx, env}, {env}, app, deployedImage(ctx, app), {releasePhase: false, onlyTypes: [type]})
    if (!ok) return 1
  }
  return 0
}

async function deployLatest(ctx: CoreContext, app: string, options: {source: string; releasePhase: boolean}): Promise<number> {
  const image = deployedImage(ctx, app)
  const capture = startCapture(ctx, app, options.source, 'deploy')
  let code = 1
  try {
    code = (await releaseAndDeploy(ctx, capture, app, image, {releasePhase: options.releasePhase})) ? 0 : 1
    return code
  } finally {
    finishBuild(ctx.paths, capture.record, code)
  }
}
