import fs from 'node:fs'
import path from 'node:path'
import {currentSession, pause} from '../session.js'
import type {CoreContext} from '../context.js'
import {DokkuFailure} from '../io.js'
import {type BuildRecord, buildLogPath, finishBuild, newBuildId, startBuild} from '../store/builds.js'
import {readConfig, updateConfig} from '../store/config-env.js'
import {DeployLock} from '../store/deploy-lock.js'
import {type Image, createImage, findImage, imageFsDir, resolveTag, tagImage} from '../store/docker.js'
import {InvalidReferenceError} from '../store/image-reference.js'
import {RegistryError, pullImage} from '../store/registry.js'
import {randomHex} from '../store/files.js'
import {checkoutTree, revEnvVar} from '../store/git-repo.js'
import {getProperty, setProperty} from '../store/properties.js'
import {applyFormation} from '../store/scale.js'
import {AppTreeError, buildFails, readAppTree} from './app-tree.js'
import {imageOnlyBase} from './dockerfile.js'
import {deployedImageName, releaseToRegistry} from './registry-push.js'
import {schedulerDeploy} from './scheduler.js'
import {runTask} from './task.js'

/** dokku_setup_build_capture: a build id and record, the output teed to the build log. */
export interface Capture {
  buildId: string
  env: NodeJS.ProcessEnv
  record: BuildRecord
}

export function startCapture(ctx: CoreContext, app: string, source: string, kind: BuildRecord['kind']): Capture {
  const buildId = ctx.env['DOKKU_BUILD_ID'] || newBuildId()
  const record = startBuild(ctx.paths, app, buildId, kind, source)
  ctx.out.captureTo(buildLogPath(ctx.paths, app, buildId))
  return {
    buildId,
    record,
    env: {
      ...ctx.env,
      DOKKU_BUILD_ID: buildId,
      DOKKU_BUILD_SOURCE: source,
      DOKKU_BUILD_LOG_FILE: record.log_path,
      DOKKU_REDIRECT_OUTPUT: 'true',
    },
  }
}

/**
 * git_receive_app → git_build → dokku_build/release/deploy for one revision of the app's repo,
 * under the app's non-blocking deploy lock. `setRevVar` is false for ps:rebuild, which builds the
 * branch tip without touching GIT_REV. A command that set up the build capture itself (git:from-image,
 * git:sync, as Dokku's do before they touch the repository) passes it, and finishes its record.
 */
export async function receiveApp(ctx: CoreContext, app: string, rev: string, options: {source: string; setRevVar: boolean; capture?: Capture}): Promise<number> {
  const buildId = options.capture?.buildId ?? (ctx.env['DOKKU_BUILD_ID'] || newBuildId())
  const lock = DeployLock.tryAcquire(ctx.paths, app, buildId)
  if (!lock) {
    ctx.out.warn(`${app} currently has a deploy lock in place. Exiting...`)
    ctx.out.warn("Run 'apps:unlock' to release the existing deploy lock")
    return 1
  }
  const capture = options.capture ?? startCapture({...ctx, env: {...ctx.env, DOKKU_BUILD_ID: buildId}}, app, options.source, 'build')
  let code = 1
  try {
    if (options.setRevVar) {
      const variable = revEnvVar(ctx.paths, app)
      if (variable) updateConfig(ctx.paths, app, {[variable]: rev})
    }
    const tree = path.join(ctx.paths.tmpDir, `dokku-${currentSession().pid}-git_build_app_repo.${randomHex(4)}`)
    await checkoutTree(ctx.paths, app, rev, tree)
    const image = await build(ctx, app, rev, tree)
    code = (await releaseAndDeploy(ctx, capture, app, image, {releasePhase: true})) ? 0 : 1
    return code
  } catch (error) {
    if (error instanceof DokkuFailure || error instanceof AppTreeError) {
      ctx.out.warn(error.message)
      return error instanceof DokkuFailure ? error.exitCode : 1
    }
    throw error
  } finally {
    if (!options.capture) finishBuild(ctx.paths, capture.record, code)
    lock.release()
  }
}

/**
 * builder-build: the image is tagged `dokku/<app>:latest` as soon as it exists, before any container
 * starts. A Dockerfile that only names a base image (git:from-image's) builds that image's file
 * system, pulled first when the engine lacks it, so the new image carries the base's source revision.
 */
async function build(ctx: CoreContext, app: string, rev: string, checkout: string): Promise<Image> {
  const {out, paths} = ctx
  const builder = readAppTree(checkout).builder
  const base = imageOnlyBase(checkout)
  out.info1('Cleaning up...')
  out.info1(`Building ${app} from ${builder === 'dockerfile' ? 'Dockerfile' : 'herokuish'}`)
  let tree = checkout
  let source = rev
  if (base) {
    const baseImage = findImage(paths, base) ?? pullForBuild(ctx, app, base, checkout)
    tree = path.join(paths.tmpDir, `dokku-${currentSession().pid}-build.${randomHex(4)}`)
    fs.cpSync(imageFsDir(paths, baseImage.id), tree, {recursive: true, preserveTimestamps: true})
    fs.rmSync(checkout, {recursive: true, force: true})
    source = baseImage.rev
    out.out(`Step 1/2 : FROM ${base}`)
    out.out(` ---> ${baseImage.id.replace('sha256:', '').slice(0, 12)}`)
    out.out(`Step 2/2 : LABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${base}\\"]`)
  } else {
    out.out(`Step 1/1 : simulated build of ${rev.slice(0, 7)}`)
  }
  const appTree = readAppTree(tree)
  await pause(appTree.sim.buildMs)
  if (buildFails(appTree.sim, readConfig(paths, app))) {
    fs.rmSync(tree, {recursive: true, force: true})
    out.out('simulated build failure (.sim.json buildFails)')
    failBuild(ctx, app)
  }
  const image = createImage(paths, {app, rev: source, tree, labels: {'com.dokku.builder-type': builder}})
  tagImage(paths, image.id, `dokku/${app}:latest`)
  out.out(`Successfully built ${image.id.replace('sha256:', '').slice(0, 12)}`)
  out.out(`Successfully tagged dokku/${app}:latest`)
  return image
}

/** docker build pulling a base image the engine lacks; a pull failure fails the build. */
function pullForBuild(ctx: CoreContext, app: string, base: string, checkout: string): Image {
  try {
    return pullImage(ctx.paths, base).image
  } catch (error) {
    if (!(error instanceof RegistryError || error instanceof InvalidReferenceError)) throw error
    fs.rmSync(checkout, {recursive: true, force: true})
    ctx.out.out(error.message)
    failBuild(ctx, app)
  }
}

/** dokku_build's failure: the previous release image is re-tagged as latest, and the deploy fails. */
function failBuild(ctx: CoreContext, app: string): never {
  const released = resolveTag(ctx.paths, `dokku/${app}:latest`)
  if (released) ctx.out.warn(`Retagging old image ${released.replace('sha256:', '').slice(0, 12)} as dokku/${app}:latest`)
  throw new DokkuFailure('App build failed')
}

/**
 * release_and_deploy: the release phase (app.json predeploy, Procfile release, formation) unless
 * only the deploy trigger runs (ps:restart, ps:scale), then scheduler-deploy.
 */
export async function releaseAndDeploy(ctx: CoreContext, capture: Pick<Capture, 'env'>, app: string, image: Image, options: {releasePhase: boolean; onlyTypes?: string[]}): Promise<boolean> {
  const {out, paths} = ctx
  const tree = readAppTree(imageFsDir(paths, image.id))
  // The builder was detected on the checkout, not on the image's tree (an image deploy's tree has no Dockerfile).
  if (image.labels['com.dokku.builder-type'] === 'dockerfile' || image.labels['com.dokku.builder-type'] === 'herokuish') tree.builder = image.labels['com.dokku.builder-type']
  if (options.releasePhase) {
    out.info1(`Releasing ${app}...`)
    if (!(await runTask(paths, out, {app, image: image.id, phase: 'predeploy', source: 'app.json', command: tree.predeploy}))) return false
    if (!(await runTask(paths, out, {app, image: image.id, phase: 'release', source: 'Procfile', command: tree.releaseCommand}))) return false
    applyFormation(paths, app, tree)
    if (!releaseToRegistry(paths, out, app, image)) return false
    out.info2('Processing deployment checks')
  }
  if (getProperty(paths, 'ps', app, 'skip-deploy') === 'true') {
    out.info1('Skipping deployment')
    return true
  }
  return schedulerDeploy({paths, out, app, image, tree, env: capture.env}, options.onlyTypes ? {onlyTypes: options.onlyTypes} : {})
}

/** The image restarts, redeploys and `dokku run` use (contract §1.4): `dokku/<app>:latest`, or the last release pushed. */
export function deployedImage(ctx: CoreContext, app: string): Image {
  const name = deployedImageName(ctx.paths, app)
  const image = findImage(ctx.paths, name)
  if (!image) throw new DokkuFailure(`App image (${name}) not found`)
  return image
}

/** deploy-source-set: written only after a successful deploy. */
export function setDeploySource(ctx: CoreContext, app: string, source: string, metadata: string): void {
  setProperty(ctx.paths, 'apps', app, 'deploy-source', source)
  setProperty(ctx.paths, 'apps', app, 'deploy-source-metadata', metadata)
}
