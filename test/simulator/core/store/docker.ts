import fs from 'node:fs'
import {currentSession} from '../session.js'
import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {listDir, randomHex, readJson, readText, writeFileAtomic, writeJsonAtomic} from './files.js'
import {InvalidReferenceError, digestName, parseImageReference, taggedName} from './image-reference.js'

/**
 * The simulated Docker engine's state: images (with the file tree they were built from), tags and
 * containers, one JSON file each so concurrent deploy processes never share a file.
 */
export interface Image {
  /** `sha256:<64 hex>` like Docker's image ids. */
  id: string
  app: string
  /** The git commit the image was built from. */
  rev: string
  createdAt: number
  labels: Record<string, string>
  /**
   * `<repository>@sha256:…` for every registry repository the image was pushed to or pulled from, as
   * Docker lists them; a locally built image has none.
   */
  repoDigests?: string[]
}

export type ContainerState = 'created' | 'running' | 'exited'

export interface Container {
  /** 64 hex characters, like Docker's container ids. */
  id: string
  name: string
  image: string
  app: string
  proc: string
  index: number
  state: ContainerState
  exitCode: number | null
  ip: string
  port: string
  env: Record<string, string>
  labels: Record<string, string>
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
}

function imagesDir(paths: HostPaths): string {
  return path.join(paths.dockerDir, 'images')
}

function tagsDir(paths: HostPaths): string {
  return path.join(paths.dockerDir, 'tags')
}

function containersDir(paths: HostPaths): string {
  return path.join(paths.dockerDir, 'containers')
}

function hexOf(id: string): string {
  return id.replace(/^sha256:/, '')
}

/** A new image whose file system is the given tree, moved into the engine. */
export function createImage(paths: HostPaths, details: {app: string; rev: string; tree: string; labels?: Record<string, string>}): Image {
  const hex = randomHex(32)
  const image: Image = {
    id: `sha256:${hex}`,
    app: details.app,
    rev: details.rev,
    createdAt: Date.now(),
    labels: {'com.dokku.app-name': details.app, 'com.dokku.image-stage': 'release', ...details.labels},
  }
  const fsDir = imageFsDir(paths, image.id)
  fs.mkdirSync(path.dirname(fsDir), {recursive: true})
  fs.renameSync(details.tree, fsDir)
  writeJsonAtomic(path.join(imagesDir(paths), hex, 'image.json'), image)
  return image
}

export function imageFsDir(paths: HostPaths, imageId: string): string {
  return path.join(imagesDir(paths), hexOf(imageId), 'fs')
}

/** An image by id, short id prefix, tag reference or `<repository>@sha256:…` digest reference. */
export function findImage(paths: HostPaths, reference: string): Image | undefined {
  if (reference.includes('@')) return findByDigest(paths, reference)
  const tagged = resolveTag(paths, reference)
  const hex = hexOf(tagged ?? reference)
  if (!/^[0-9a-f]{4,64}$/.test(hex)) return undefined
  const match = listDir(imagesDir(paths)).find((candidate) => candidate.startsWith(hex))
  return match ? readImage(paths, match) : undefined
}

function findByDigest(paths: HostPaths, reference: string): Image | undefined {
  const parsed = parseOrUndefined(reference)
  if (!parsed?.digest) return undefined
  const wanted = digestName(parsed.familiar, parsed.digest)
  for (const hex of listDir(imagesDir(paths)).filter((entry) => !entry.startsWith('.'))) {
    const image = readImage(paths, hex)
    if (image?.repoDigests?.includes(wanted)) return image
  }
  return undefined
}

function readImage(paths: HostPaths, hex: string): Image | undefined {
  return readJson<Image>(path.join(imagesDir(paths), hex, 'image.json'))
}

function parseOrUndefined(reference: string): ReturnType<typeof parseImageReference> | undefined {
  try {
    return parseImageReference(reference)
  } catch (error) {
    if (error instanceof InvalidReferenceError) return undefined
    throw error
  }
}

/** The tag file of a reference, by Docker's normalised name (`nginx` and `docker.io/library/nginx:latest` are one tag). */
function tagFile(paths: HostPaths, reference: string): string | undefined {
  const parsed = parseOrUndefined(reference)
  const name = parsed ? taggedName(parsed) : undefined
  return name ? path.join(tagsDir(paths), encodeURIComponent(name)) : undefined
}

export function tagImage(paths: HostPaths, imageId: string, reference: string): void {
  const file = tagFile(paths, reference)
  if (!file) throw new InvalidReferenceError(`invalid reference format: ${reference}`)
  writeFileAtomic(file, imageId)
}

export function resolveTag(paths: HostPaths, reference: string): string | undefined {
  const file = tagFile(paths, reference)
  return file ? readText(file)?.trim() : undefined
}

/** The tags pointing at an image, as Docker's RepoTags lists them. */
export function repoTags(paths: HostPaths, imageId: string): string[] {
  return listDir(tagsDir(paths))
    .filter((file) => readText(path.join(tagsDir(paths), file))?.trim() === imageId)
    .map((file) => decodeURIComponent(file))
}

/** Records that the image is in a registry repository under this digest (a push or a pull). */
export function addRepoDigest(paths: HostPaths, imageId: string, familiar: string, digest: string): void {
  const image = findImage(paths, imageId)
  if (!image) throw new Error(`simulator: no image ${imageId}`)
  const name = digestName(familiar, digest)
  // A repository keeps one digest per image, as Docker replaces the entry on a new push.
  const others = (image.repoDigests ?? []).filter((entry) => !entry.startsWith(`${familiar}@`))
  writeJsonAtomic(path.join(imagesDir(paths), hexOf(image.id), 'image.json'), {...image, repoDigests: [...others, name]})
}

/**
 * An image arriving from a registry: the same id (Docker keeps an image's id across a push and a
 * pull), its file tree copied from `treeDir`. A no-op when the engine has the image already.
 */
export function importImage(paths: HostPaths, image: Omit<Image, 'repoDigests'>, treeDir: string): Image {
  const existing = findImage(paths, image.id)
  if (existing) return existing
  const hex = hexOf(image.id)
  const staging = path.join(imagesDir(paths), `.${hex}.${currentSession().pid}.${randomHex(4)}`)
  fs.cpSync(treeDir, path.join(staging, 'fs'), {recursive: true, preserveTimestamps: true})
  writeJsonAtomic(path.join(staging, 'image.json'), {...image, repoDigests: []})
  try {
    fs.renameSync(staging, path.join(imagesDir(paths), hex))
  } catch (error) {
    // A concurrent pull of the same image won the rename: its copy is as good as ours.
    fs.rmSync(staging, {recursive: true, force: true})
    if (!findImage(paths, image.id)) throw error
  }
  return findImage(paths, image.id)!
}

export function randomContainerId(): string {
  return randomHex(32)
}

export function createContainer(
  paths: HostPaths,
  details: {app: string; proc: string; index: number; image: string; name: string; env: Record<string, string>; port: string},
): Container {
  const container: Container = {
    id: randomContainerId(),
    name: details.name,
    image: details.image,
    app: details.app,
    proc: details.proc,
    index: details.index,
    state: 'running',
    exitCode: null,
    ip: `172.17.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`,
    port: details.port,
    env: details.env,
    labels: {
      'com.dokku.app-name': details.app,
      'com.dokku.container-type': 'deploy',
      'com.dokku.process-type': details.proc,
      'com.dokku.dyno': `${details.proc}.${details.index}`,
    },
    createdAt: Date.now(),
    startedAt: Date.now(),
    finishedAt: null,
  }
  saveContainer(paths, container)
  return container
}

export function saveContainer(paths: HostPaths, container: Container): void {
  writeJsonAtomic(path.join(containersDir(paths), `${container.id}.json`), container)
}

export function findContainer(paths: HostPaths, reference: string): Container | undefined {
  if (/^[0-9a-f]{4,64}$/.test(reference)) {
    const match = listDir(containersDir(paths)).find((file) => file.startsWith(reference))
    if (match) return readJson<Container>(path.join(containersDir(paths), match))
  }
  return listContainers(paths).find((container) => container.name === reference)
}

export function listContainers(paths: HostPaths, app?: string): Container[] {
  return listDir(containersDir(paths))
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson<Container>(path.join(containersDir(paths), file)))
    .filter((container): container is Container => container !== undefined && (app === undefined || container.app === app))
}

export function stopContainer(paths: HostPaths, container: Container, exitCode: number): void {
  saveContainer(paths, {...container, state: 'exited', exitCode, finishedAt: Date.now()})
}

/**
 * `docker container rm`. Only a command run on the host removes a container: Dokku itself never
 * removes one that failed check-deploy (dokku-observed.md §3), and neither does the simulator.
 */
export function removeContainer(paths: HostPaths, container: Container): void {
  fs.rmSync(path.join(containersDir(paths), `${container.id}.json`), {force: true})
}
