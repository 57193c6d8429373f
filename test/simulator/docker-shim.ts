import type {HostPaths} from './host/paths.js'
import {CommandExit, type Output} from './core/io.js'
import {type Container, type Image, findContainer, findImage, listContainers, removeContainer, repoTags, tagImage} from './core/store/docker.js'
import {InvalidReferenceError} from './core/store/image-reference.js'
import {RegistryError, inspectManifest} from './core/store/registry.js'

/**
 * The simulated host's `docker` command: the subset of the Docker CLI that Dokku plugins running
 * on the host use (the gate plugin re-tags the running image on abort, removes the containers of a
 * deploy it aborted, reads an image's registry digests and asks a registry whether it can pull an
 * image). Anything else fails loudly with exit
 * 125, so a plugin never silently depends on something the simulator does not model.
 * It runs in the core server (core/server.ts); bin/docker is the cheap client.
 */
export function runDockerShim(paths: HostPaths, argv: string[], out: Output): number {
  const stdout = (text: string) => out.passthrough(text)
  const stderr = (text: string) => out.passthrough(text, true)

  function unsupported(): never {
    stderr(`simulator docker shim: unsupported command: docker ${argv.join(' ')}\n`)
    throw new CommandExit(125)
  }

  function formatOption(args: string[]): {template: string | undefined; rest: string[]} {
    const rest: string[] = []
    let template: string | undefined
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === '--format' || arg === '-f') template = args[++i]
      else if (arg.startsWith('--format=')) template = arg.slice('--format='.length)
      else rest.push(arg)
    }
    return {template, rest}
  }

  const CONTAINER_TEMPLATES: Record<string, (container: Container) => string> = {
    '{{.Image}}': (container) => container.image,
    '{{.Id}}': (container) => container.id,
    '{{.ID}}': (container) => container.id,
    '{{.Name}}': (container) => `/${container.name}`,
    '{{.State.Status}}': (container) => container.state,
    '{{.State.Running}}': (container) => String(container.state === 'running'),
    '{{.State.ExitCode}}': (container) => String(container.exitCode ?? 0),
    '{{range .Config.Env}}{{println .}}{{end}}': (container) =>
      Object.entries(container.env)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
  }

  const IMAGE_TEMPLATES: Record<string, (image: Image) => string> = {
    '{{.Id}}': (image) => image.id,
    '{{.ID}}': (image) => image.id,
    '{{index .Config.Labels "com.dokku.image-stage"}}': (image) => image.labels['com.dokku.image-stage'] ?? '',
    '{{json .RepoDigests}}': (image) => JSON.stringify(image.repoDigests ?? []),
    '{{json .RepoTags}}': (image) => JSON.stringify(repoTags(paths, image.id)),
  }

  function inspectContainers(args: string[]): number {
    const {template, rest} = formatOption(args)
    let code = 0
    for (const reference of rest) {
      const container = findContainer(paths, reference)
      if (!container) {
        stderr(`Error: No such container: ${reference}\n`)
        code = 1
        continue
      }
      if (template === undefined) stdout(`${JSON.stringify([container], null, 4)}\n`)
      else {
        const render = CONTAINER_TEMPLATES[template]
        if (!render) unsupported()
        stdout(`${render(container)}\n`)
      }
    }
    return code
  }

  function inspectImages(args: string[]): number {
    const {template, rest} = formatOption(args)
    let code = 0
    for (const reference of rest) {
      const image = findImage(paths, reference)
      if (!image) {
        stderr(`Error: No such image: ${reference}\n`)
        code = 1
        continue
      }
      if (template === undefined) stdout(`${JSON.stringify([image], null, 4)}\n`)
      else {
        const render = IMAGE_TEMPLATES[template]
        if (!render) unsupported()
        stdout(`${render(image)}\n`)
      }
    }
    return code
  }

  function tag(args: string[]): number {
    if (args.length !== 2) unsupported()
    const image = findImage(paths, args[0]!)
    if (!image) {
      stderr(`Error response from daemon: No such image: ${args[0]}\n`)
      return 1
    }
    tagImage(paths, image.id, args[1]!)
    return 0
  }

  /** `docker manifest inspect <ref>`: the registry's manifest when this host may read it, else Docker's error (exit 1). */
  function manifestInspect(args: string[]): number {
    if (args.length !== 1) unsupported()
    try {
      stdout(`${inspectManifest(paths, args[0]!)}\n`)
      return 0
    } catch (error) {
      if (!(error instanceof RegistryError || error instanceof InvalidReferenceError)) throw error
      stderr(`${error.message}\n`)
      return 1
    }
  }

  /**
   * `docker container rm [-f] <container>...` and `docker rm`, answered as Docker does: each removed
   * reference on stdout; a missing container, or a running one without -f, is an error on stderr, the
   * others are still removed, and the exit code is 1.
   */
  function remove(command: string, args: string[]): number {
    let force = false
    const references: string[] = []
    for (const arg of args) {
      if (arg === '-f' || arg === '--force') force = true
      else if (arg.startsWith('-')) unsupported()
      else references.push(arg)
    }
    if (references.length === 0) {
      stderr(`"${command}" requires at least 1 argument.\nSee '${command} --help'.\n\nUsage:  ${command} [OPTIONS] CONTAINER [CONTAINER...]\n\nRemove one or more containers\n`)
      return 1
    }
    let code = 0
    for (const reference of references) {
      const container = findContainer(paths, reference)
      if (!container) {
        stderr(`Error response from daemon: No such container: ${reference}\n`)
        code = 1
      } else if (container.state === 'running' && !force) {
        stderr(`Error response from daemon: cannot remove container "/${container.name}": container is running: stop the container before removing or force remove\n`)
        code = 1
      } else {
        removeContainer(paths, container)
        stdout(`${reference}\n`)
      }
    }
    return code
  }

  function ps(args: string[]): number {
    const all = args.includes('-a') || args.includes('--all')
    stdout('CONTAINER ID   IMAGE          STATUS     NAMES\n')
    for (const container of listContainers(paths)) {
      if (!all && container.state !== 'running') continue
      const status = container.state === 'running' ? 'Up' : `Exited (${container.exitCode ?? 0})`
      stdout(`${container.id.slice(0, 12)}   ${container.image.replace('sha256:', '').slice(0, 12)}   ${status.padEnd(10)} ${container.name}\n`)
    }
    return 0
  }

  function dispatch(): number {
    const [first, second, ...rest] = argv
    if (first === 'container' && second === 'inspect') return inspectContainers(rest)
    if (first === 'image' && second === 'inspect') return inspectImages(rest)
    if (first === 'image' && second === 'tag') return tag(rest)
    if (first === 'tag') return tag(argv.slice(1))
    if (first === 'manifest' && second === 'inspect') return manifestInspect(rest)
    if (first === 'inspect') return inspectContainers(argv.slice(1))
    if (first === 'ps') return ps(argv.slice(1))
    if (first === 'container' && second === 'ls') return ps(rest)
    if (first === 'container' && second === 'rm') return remove('docker container rm', rest)
    if (first === 'rm') return remove('docker rm', argv.slice(1))
    unsupported()
  }

  return dispatch()
}
