import {parseFamiliarName} from '@swimlane/docker-reference'

/**
 * A Docker image reference, normalised the way the Docker CLI does it (distribution/reference's
 * ParseNormalizedNamed, through @swimlane/docker-reference, a port of it): no registry part means
 * Docker Hub, and a one-segment Hub name lives under `library/`.
 */
export interface ImageReference {
  /** The registry server: `docker.io` for Docker Hub, else e.g. `registry.example.test:5000`. */
  server: string
  /** The repository path on that server, e.g. `team/api` or `library/nginx`. */
  path: string
  tag: string | undefined
  /** `sha256:<64 hex>` when the reference pins a digest. */
  digest: string | undefined
  /** The repository as Docker prints it in RepoTags/RepoDigests: `nginx`, `team/api`, `registry.example.test/team/api`. */
  familiar: string
}

export class InvalidReferenceError extends Error {}

const HUB = 'docker.io'

export function parseImageReference(raw: string): ImageReference {
  let parsed: ReturnType<typeof parseFamiliarName>
  try {
    parsed = parseFamiliarName(raw)
  } catch (error) {
    throw new InvalidReferenceError(`invalid reference format: ${raw}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const server = parsed.domain ?? HUB
  const repositoryPath = parsed.repository ?? ''
  const familiar = server === HUB ? repositoryPath.replace(/^library\//, '') : `${server}/${repositoryPath}`
  return {server, path: repositoryPath, tag: parsed.tag, digest: parsed.digest, familiar}
}

/** `<familiar>:<tag>`, the tag defaulting to `latest` as `docker tag`/`docker pull` do; undefined for a digest-only reference. */
export function taggedName(reference: ImageReference): string | undefined {
  if (reference.digest && !reference.tag) return undefined
  return `${reference.familiar}:${reference.tag ?? 'latest'}`
}

/** `<familiar>@<digest>`: how Docker lists a registry digest of a local image. */
export function digestName(familiar: string, digest: string): string {
  return `${familiar}@${digest}`
}
