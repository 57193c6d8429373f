import fs from 'node:fs'
import path from 'node:path'
import type {HostPaths} from '../../host/paths.js'
import {listDir, randomHex, readJson, readText, writeFileAtomic, writeJsonAtomic} from './files.js'

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

/** An image by id, short id prefix or tag reference. */
export function findImage(paths: HostPaths, reference: string): Image | undefined {
  const tagged = resolveTag(paths, reference)
  const hex = hexOf(tagged ?? reference)
  if (!/^[0-9a-f]{4,64}$/.test(hex)) return undefined
  const match = listDir(imagesDir(paths)).find((candidate) => candidate.startsWith(hex))
  return match ? readJson<Image>(path.join(imagesDir(paths), match, 'image.json')) : undefined
}

function normaliseReference(reference: string): string {
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1)
  return lastSegment.includes(':') ? reference : `${reference}:latest`
}

function tagFile(paths: HostPaths, reference: string): string {
  return path.join(tagsDir(paths), encodeURIComponent(normaliseReference(reference)))
}

export function tagImage(paths: HostPaths, imageId: string, reference: string): void {
  writeFileAtomic(tagFile(paths, reference), imageId)
}

export function resolveTag(paths: HostPaths, reference: string): string | undefined {
  return readText(tagFile(paths, reference))?.trim()
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
