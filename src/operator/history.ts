import {PreflightError, RemoteCommandError} from '../errors.js'
import {type StoredRecord, readRecords} from '../graduation/records.js'
import {withEnvironment} from '../recovery/session.js'

export interface HistoryReport {
  env: string
  /** The hosts whose records were read: every target host of the environment. */
  hosts: string[]
  /** One per graduation id (each target host keeps a copy), oldest first. */
  records: StoredRecord[]
  /** Records a host keeps that do not read as graduate's, left out. */
  skipped: Array<{host: string; id: string; problem: string}>
}

/**
 * `graduate history <env>`: the graduation records kept on the environment's hosts (`graduate:history`),
 * merged by id, oldest first — read the way `graduate rollback` reads them.
 */
export function readHistory(request: {manifestPath: string; env: string; acceptNewHostKeys?: boolean}): Promise<HistoryReport> {
  return withEnvironment(request.manifestPath, request.env, async ({env, hosts, commandMs}) => {
    await hosts.connectAll(env.hosts)
    const targets = env.hosts.map((spec) => hosts.get(spec))
    const skipped: HistoryReport['skipped'] = []
    try {
      const records = await readRecords(targets, env.name, {commandMs, skipped: (host, id, problem) => skipped.push({host, id, problem})})
      return {env: env.name, hosts: targets.map((host) => host.label), records, skipped}
    } catch (error) {
      if (error instanceof RemoteCommandError && /is not a dokku command/.test(error.stderr)) {
        throw new PreflightError(`${error.host} has no graduate gate plugin, which keeps the graduation records`, `install it: graduate gate install ${env.name}`)
      }
      throw error
    }
  }, {acceptNewHostKeys: request.acceptNewHostKeys})
}
