import fs from 'node:fs'
import type {CoreCommand, CoreContext} from '../context.js'
import {CommandExit, DokkuFailure, fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {finishBuild} from '../store/builds.js'
import {findImage} from '../store/docker.js'
import {InvalidReferenceError, parseImageReference} from '../store/image-reference.js'
import {setProperty} from '../store/properties.js'
import {RegistryError, pullImage} from '../store/registry.js'
import {gitFromDirectory} from '../deploy/from-directory.js'
import {tempDir} from '../deploy/git-fetch.js'
import {type Capture, setDeploySource, startCapture} from '../deploy/release.js'

/**
 * git:from-image [--force] [--build-dir DIR] <app> <image> [<user> <email>] (cmd-git-from-image and
 * the git-from-image trigger): the image pulled unless the engine has it, a `Dockerfile` naming it
 * committed on the deploy branch, and that built and deployed with DOKKU_BUILD_SOURCE=git:from-image
 * — the gate holds it like a push. On success the deploy source becomes `docker-image <image>`.
 * Every failure exits 1, including the same image as the last one ("No changes detected"): Dokku's
 * docs say 0, but its code path returns 1 and a real host did (dokku-observed.md §8).
 */
export const gitFromImage: CoreCommand = async (ctx, args) => {
  const positional: string[] = []
  let buildDir: string | undefined
  let force = ctx.env['DOKKU_APPS_FORCE_DELETE'] === '1'
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--build-dir') buildDir = args[++i]
    else if (arg === '--force') force = true
    else positional.push(arg)
  }
  const [appArg, image, userName] = positional
  const app = verifyApp(ctx.paths, appArg)
  if (!image) fail('Please specify a docker image')

  const capture = startCapture(ctx, app, 'git:from-image', 'build')
  let code = 1
  try {
    // The trigger reads the e-mail from the same argument as the name (`USER_EMAIL="${4:-…}"`), so a given name is both.
    code = await fromImage({...ctx, env: capture.env}, capture, app, image, {buildDir, force, user: userName || 'Dokku', email: userName || 'automated@dokku.sh'})
  } catch (error) {
    if (error instanceof DokkuFailure) ctx.out.warn(error.message)
    else if (!(error instanceof CommandExit)) throw error
  } finally {
    finishBuild(ctx.paths, capture.record, code)
  }
  if (code !== 0) return 1
  setDeploySource(ctx, app, 'docker-image', image)
  return 0
}

async function fromImage(ctx: CoreContext, capture: Capture, app: string, image: string, options: {buildDir: string | undefined; force: boolean; user: string; email: string}): Promise<number> {
  const context = tempDir(ctx, 'trigger-git-git-from-image')
  try {
    ctx.out.info1('Generating build context')
    if (options.buildDir !== undefined) {
      if (!fs.existsSync(options.buildDir) || !fs.statSync(options.buildDir).isDirectory()) fail('Invalid BUILD_DIR specified for docker build context')
      ctx.out.verbose('Syncing build directory context')
      fs.cpSync(options.buildDir, context, {recursive: true})
    }
    fs.appendFileSync(`${context}/Dockerfile`, `FROM ${image}\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${image}\\"]\n`)

    if (!findImage(ctx.paths, image)) {
      ctx.out.info1('Pulling image')
      pull(ctx, image)
    } else if (options.force) {
      ctx.out.info1('Force pulling image')
      pull(ctx, image)
    } else {
      ctx.out.info1('Image exists on host, skipping pull')
    }
    setProperty(ctx.paths, 'git', app, 'source-image', image)
    return await gitFromDirectory(ctx, capture, app, context, options.user, options.email)
  } finally {
    fs.rmSync(context, {recursive: true, force: true})
  }
}

/** `docker image pull`, with Docker's progress lines; a failure fails the command with Dokku's message. */
function pull(ctx: CoreContext, image: string): void {
  try {
    const {digest} = pullImage(ctx.paths, image)
    const reference = parseImageReference(image)
    ctx.out.out(`${reference.digest ?? reference.tag ?? 'latest'}: Pulling from ${reference.path}`)
    ctx.out.out(`Digest: ${digest}`)
    ctx.out.out(`Status: Downloaded newer image for ${image}`)
    ctx.out.out(image)
  } catch (error) {
    if (!(error instanceof RegistryError || error instanceof InvalidReferenceError)) throw error
    ctx.out.err(error.message)
    fail(`Failed to pull image: ${image}`)
  }
}
