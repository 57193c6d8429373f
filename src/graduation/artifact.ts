import type {PromotionStrategy} from '../manifest/types.js'
import type {AppFacts} from './app-facts.js'

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/** A git revision is promoted with git; anything else graduate records as an artifact is an image reference. */
export function strategyOf(artifact: string): PromotionStrategy {
  return FULL_SHA.test(artifact) ? 'git' : 'image'
}

/** Where the source's image is to be pinned by digest on the source host. */
export type ImageToPin =
  /** An image deploy: the image it was deployed from (its base, which carries the registry digest). */
  | {kind: 'named'; image: string}
  /** Registry push-on-release: the image the app's containers run, as pushed to `repository`. */
  | {kind: 'running'; repository: string}

export type SourceArtifact =
  | {strategy: 'git'; rev: string}
  | {strategy: 'image'; pin: ImageToPin; describe: string}
  | {problem: string; fix: string}

/**
 * What promoting the source app means (issue: build once, promote what runs): a git deploy is rebuilt
 * on the target from the same revision, unless the source pushes its releases to a registry, in which
 * case that very image is deployed; an image deploy is deployed as the same image. The manifest's
 * `strategy` overrides the choice where both are possible.
 */
export function sourceArtifact(facts: AppFacts, wanted: PromotionStrategy | undefined): SourceArtifact {
  const registry = facts.registry
  switch (facts.deploySource) {
    case 'git-push':
    case 'git-sync': {
      if (!facts.rev) {
        return {problem: `${facts.app}'s ${facts.deploySource} deploy names ${facts.deploySourceMetadata || 'no revision'}, not a git revision`, fix: `redeploy ${facts.app} on ${facts.host}`}
      }
      const pushed = registry?.pushOnRelease === true && registry.imageRepo !== ''
      if (wanted === 'git' || (wanted === undefined && !pushed)) return {strategy: 'git', rev: facts.rev}
      if (!pushed) {
        return {
          problem: `${facts.app} is set to be promoted as an image, but its releases are built on ${facts.host} and not pushed to a registry, so no other host can pull them`,
          fix: `turn on push-on-release (dokku registry:set ${facts.app} push-on-release true, then redeploy), or drop strategy: image`,
        }
      }
      const repository = `${registry!.server}${registry!.imageRepo}`
      return {strategy: 'image', pin: {kind: 'running', repository}, describe: `the image ${facts.app} runs, pushed to ${repository}`}
    }
    case 'docker-image':
      if (wanted === 'git') {
        return {
          problem: `${facts.app} was deployed from the image ${facts.deploySourceMetadata}, so it has no git revision to rebuild`,
          fix: 'drop strategy: git (the image is promoted as it is), or deploy the source with git',
        }
      }
      return {strategy: 'image', pin: {kind: 'named', image: facts.deploySourceMetadata}, describe: facts.deploySourceMetadata}
    case '':
      return {problem: `source app ${facts.app} has never been deployed successfully, so there is nothing to promote`, fix: `deploy ${facts.app} on ${facts.host} first`}
    default:
      return {
        problem: `source app ${facts.app} was deployed from a ${facts.deploySource} archive (${facts.deploySourceMetadata}); graduate promotes git and image deploys`,
        fix: `redeploy ${facts.app} with git push, git:sync or git:from-image, or leave it out with --only`,
      }
  }
}
