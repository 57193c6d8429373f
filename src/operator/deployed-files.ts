import {cachedFile, ensureRevision} from '../graduation/transfer.js'
import {appOrigin} from '../graduation/planner.js'
import type {HostDirectory} from '../graduation/hosts.js'
import type {AppLocation} from '../manifest/types.js'

export interface DeployedFiles {
  procfile: string | undefined
  appJson: string | undefined
}

/**
 * The Procfile and app.json of the revision an app runs, as Dokku deployed them: the commit is fetched
 * from the app's own deploy branch into graduate's git cache (a read, like the plan's), then read there.
 * Dokku keeps its copies under its data directories, which no command shows to the dokku user.
 */
export async function readDeployedFiles(options: {
  hosts: HostDirectory
  location: AppLocation
  rev: string
  deployBranch: string
  /** Names the cache ref; unique among the apps read at once. */
  key: string
  repo: string
  timeoutMs: number
}): Promise<DeployedFiles> {
  await ensureRevision({
    repo: options.repo,
    sha: options.rev,
    origins: [appOrigin(options.hosts, options.location, options.deployBranch, options.key)],
    timeoutMs: options.timeoutMs,
  })
  const [procfile, appJson] = await Promise.all([cachedFile(options.repo, options.rev, 'Procfile'), cachedFile(options.repo, options.rev, 'app.json')])
  return {procfile, appJson}
}
