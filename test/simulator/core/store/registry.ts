import crypto from 'node:crypto'
import {currentSession} from '../session.js'
import fs from 'node:fs'
import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {type Image, addRepoDigest, imageFsDir, importImage, tagImage} from './docker.js'
import {listDir, randomHex, readJson, readText, writeFileAtomic, writeJsonAtomic} from './files.js'
import {type ImageReference, parseImageReference, taggedName} from './image-reference.js'
import {readSettings} from './settings.js'

/*
 * The image registry all hosts of one simulator share (Docker Hub and every private server alike):
 *
 *   _registry/manifests/<hex>/manifest.json   what was pushed: the image's id, source revision, labels
 *   _registry/manifests/<hex>/fs/             the image's file tree
 *   _registry/repositories/<server/path>/tags/<tag>        → sha256:<hex>
 *   _registry/repositories/<server/path>/manifests/<hex>   this repository holds that manifest
 *
 * A manifest's digest is computed from the image id, as a real manifest's is from the config blob
 * (whose digest is the image id): pushing one image anywhere gives one digest, and two builds of the
 * same source give two.
 */

/** What a registry holds for one manifest. */
export interface RegistryManifest {
  digest: string
  imageId: string
  /** The git revision the image was built from. */
  rev: string
  app: string
  labels: Record<string, string>
  createdAt: number
}

/** A failure as the Docker CLI reports it; the message is Docker's. */
export class RegistryError extends Error {}

const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'

function hexOf(digest: string): string {
  return digest.replace(/^sha256:/, '')
}

function manifestDir(registryDir: string, digest: string): string {
  return path.join(registryDir, 'manifests', hexOf(digest))
}

function repositoryDir(registryDir: string, reference: ImageReference): string {
  return path.join(registryDir, 'repositories', encodeURIComponent(`${reference.server}/${reference.path}`))
}

/** The image manifest `docker manifest inspect` prints, and whose sha256 is the digest. */
function manifestDocument(imageId: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: {mediaType: 'application/vnd.docker.container.image.v1+json', digest: imageId},
    layers: [],
  })
}

function digestOf(imageId: string): string {
  return `sha256:${crypto.createHash('sha256').update(manifestDocument(imageId)).digest('hex')}`
}

/** Whether this host reaches the registry server and may use it. */
export function canUseRegistry(paths: HostPaths, server: string): boolean {
  const allowed = readSettings(paths).registries
  return allowed === null || allowed.includes(server)
}

/** The manifest a reference names (its tag, or its digest within its repository), whoever asks. */
export function resolveInRegistry(registryDir: string, reference: ImageReference): RegistryManifest | undefined {
  const repository = repositoryDir(registryDir, reference)
  const digest = reference.digest ?? readText(path.join(repository, 'tags', reference.tag ?? 'latest'))?.trim()
  if (!digest || !fs.existsSync(path.join(repository, 'manifests', hexOf(digest)))) return undefined
  return readJson<RegistryManifest>(path.join(manifestDir(registryDir, digest), 'manifest.json'))
}

/** `docker manifest inspect <reference>` on this host: the manifest, or Docker's error. */
export function inspectManifest(paths: HostPaths, raw: string): string {
  const reference = parseImageReference(raw)
  if (!canUseRegistry(paths, reference.server)) throw new RegistryError('errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required')
  const manifest = resolveInRegistry(paths.registryDir, reference)
  if (!manifest) throw new RegistryError(`no such manifest: ${raw}`)
  return JSON.stringify(JSON.parse(manifestDocument(manifest.imageId)), null, 3)
}

/**
 * `docker image push <reference>` of a local image: the manifest and its tree stored once, the tag
 * moved to it, the digest recorded on the local image. Returns the digest.
 */
export function pushImage(paths: HostPaths, image: Image, raw: string): string {
  const reference = parseImageReference(raw)
  if (!canUseRegistry(paths, reference.server)) throw new RegistryError('unauthorized: authentication required')
  const digest = storeManifest(paths.registryDir, {digest: digestOf(image.id), imageId: image.id, rev: image.rev, app: image.app, labels: image.labels, createdAt: image.createdAt}, imageFsDir(paths, image.id))
  tagInRegistry(paths.registryDir, reference, digest)
  addRepoDigest(paths, image.id, reference.familiar, digest)
  return digest
}

/**
 * `docker image pull <reference>`: the image arrives with its registry id, tagged when pulled by tag,
 * with the repository's digest among its RepoDigests either way. Throws Docker's error when the host
 * cannot use the registry or the registry lacks the reference.
 */
export function pullImage(paths: HostPaths, raw: string): {image: Image; digest: string} {
  const reference = parseImageReference(raw)
  if (!canUseRegistry(paths, reference.server)) {
    throw new RegistryError(`Error response from daemon: pull access denied for ${reference.familiar}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`)
  }
  const manifest = resolveInRegistry(paths.registryDir, reference)
  if (!manifest) {
    throw new RegistryError(
      reference.server === 'docker.io'
        ? `Error response from daemon: pull access denied for ${reference.familiar}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`
        : `Error response from daemon: manifest for ${raw} not found: manifest unknown: manifest unknown`,
    )
  }
  const {digest, imageId, ...rest} = manifest
  const image = importImage(paths, {id: imageId, ...rest}, path.join(manifestDir(paths.registryDir, digest), 'fs'))
  addRepoDigest(paths, image.id, reference.familiar, digest)
  const tag = taggedName(reference)
  if (tag) tagImage(paths, image.id, tag)
  return {image, digest}
}

/**
 * Puts an image straight into the registry without a host (the simulator's seeding): a tree and the
 * revision it stands for, under `reference`. Returns the digest.
 */
export function publishTree(registryDir: string, details: {reference: string; rev: string; app: string; tree: string}): string {
  const reference = parseImageReference(details.reference)
  // One image per revision, its id from the revision: the same seed publishes the same image every time.
  const imageId = `sha256:${crypto.createHash('sha256').update(`simulated build of ${details.rev}`).digest('hex')}`
  const digest = storeManifest(registryDir, {digest: digestOf(imageId), imageId, rev: details.rev, app: details.app, labels: {}, createdAt: Date.now()}, details.tree)
  tagInRegistry(registryDir, reference, digest)
  return digest
}

function tagInRegistry(registryDir: string, reference: ImageReference, digest: string): void {
  const repository = repositoryDir(registryDir, reference)
  writeFileAtomic(path.join(repository, 'manifests', hexOf(digest)), '')
  if (!reference.digest || reference.tag) writeFileAtomic(path.join(repository, 'tags', reference.tag ?? 'latest'), digest)
}

/** Every repository with its tags → digests: for snapshots and tests. */
export function registryCatalog(registryDir: string): Record<string, Record<string, string>> {
  const root = path.join(registryDir, 'repositories')
  const catalog: Record<string, Record<string, string>> = {}
  for (const entry of listDir(root)) {
    const tags: Record<string, string> = {}
    for (const tag of listDir(path.join(root, entry, 'tags'))) tags[tag] = readText(path.join(root, entry, 'tags', tag))?.trim() ?? ''
    catalog[decodeURIComponent(entry)] = tags
  }
  return catalog
}

/** Writes a manifest and its tree once (content-addressed); concurrent pushes of one image agree. */
function storeManifest(registryDir: string, manifest: RegistryManifest, treeDir: string): string {
  const target = manifestDir(registryDir, manifest.digest)
  if (fs.existsSync(path.join(target, 'manifest.json'))) return manifest.digest
  const staging = `${target}.${currentSession().pid}.${randomHex(4)}.tmp`
  fs.cpSync(treeDir, path.join(staging, 'fs'), {recursive: true, preserveTimestamps: true})
  writeJsonAtomic(path.join(staging, 'manifest.json'), manifest)
  fs.mkdirSync(path.dirname(target), {recursive: true})
  try {
    fs.renameSync(staging, target)
  } catch (error) {
    fs.rmSync(staging, {recursive: true, force: true})
    if (!fs.existsSync(path.join(target, 'manifest.json'))) throw error
  }
  return manifest.digest
}
