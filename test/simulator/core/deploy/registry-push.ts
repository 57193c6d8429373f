import type {HostPaths} from '../../host/paths.js'
import type {Output} from '../io.js'
import {type Image, tagImage} from '../store/docker.js'
import {parseImageReference} from '../store/image-reference.js'
import {setProperty} from '../store/properties.js'
import {RegistryError, pushImage} from '../store/registry.js'
import {computedImageRepo, pushOnRelease, registryServer, tagVersion} from '../store/registry-settings.js'

/**
 * The registry plugin's post-release-builder (plugins/registry/triggers.go, functions.go), which runs
 * in the release phase — before any container starts or any check runs, so a release that later
 * fails its checks or is aborted has been pushed all the same (contract §1.4). The image is tagged
 * under the computed repository; with push-on-release, tag-version is bumped and
 * `<server><repo>:<N>` pushed. Returns false when the push failed (the release fails with it).
 * push-extra-tags is not modelled.
 */
export function releaseToRegistry(paths: HostPaths, out: Output, app: string, image: Image): boolean {
  const repository = computedImageRepo(paths, app)
  if (repository !== `dokku/${app}`) tagImage(paths, image.id, `${repository}:latest`)
  if (!pushOnRelease(paths, app)) return true

  out.info1('Pushing image to registry')
  const previous = tagVersion(paths, app) || '0'
  if (!/^\d+$/.test(previous)) {
    out.warn(`Unable to convert existing tag version (${previous}) to integer`)
    return false
  }
  const version = Number(previous) + 1
  out.verbose(`Bumping tag to ${version}`)
  setProperty(paths, 'registry', app, 'tag-version', String(version))

  out.verbose('Retrieving image info for app')
  const fullImage = `${registryServer(paths, app)}${repository}:${version}`
  out.verbose(`Tagging ${repository}:${version} in registry format`)
  tagImage(paths, image.id, fullImage)
  tagImage(paths, image.id, `${repository}:${version}`)
  out.verbose(`Pushing ${fullImage}`)
  out.out(`The push refers to repository [${parseImageReference(fullImage).familiar}]`)
  try {
    const digest = pushImage(paths, image, fullImage)
    out.out(`${version}: digest: ${digest} size: 529`)
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error
    out.out(error.message)
    out.warn(`unable to push image ${fullImage}: docker image push command exited with code 1`)
    return false
  }
  out.verbose(`Image ${fullImage} pushed`)
  return true
}

/**
 * The image restarts and `dokku run` use (common.GetDeployingAppImageName): with push-on-release,
 * `<server><repo>:<tag-version>` — which keeps naming the last release pushed even when that release
 * failed its checks or was aborted — else `dokku/<app>:latest`.
 */
export function deployedImageName(paths: HostPaths, app: string): string {
  if (!pushOnRelease(paths, app)) return `dokku/${app}:latest`
  return `${registryServer(paths, app)}${computedImageRepo(paths, app)}:${tagVersion(paths, app) || '1'}`
}
