import {Args} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../cli/flags.js'
import {readHistory} from '../operator/history.js'
import {renderHistory} from '../operator/render-history.js'

export default class History extends GraduateCommand {
  static override summary = 'List the graduations an environment received, from the records on its hosts.'

  static override description = withExitCodes(`Every graduation (and rollback) into the environment leaves a record on each of its target hosts —
not on this machine, so runs from anywhere are listed. Oldest first: the id, what kind of run and from
where, its outcome (and cause), who ran it and when, how long it took, the flip skew between the first
and the last app going live, and each app's old → new revision and result. Records only names, hosts
and revisions: never config values. The ids are what \`graduate rollback <env> --to <id>\` takes.`)

  static override examples = [
    {description: 'What production received', command: '<%= config.bin %> history production'},
    {description: 'The same as one JSON document', command: '<%= config.bin %> history production --json'},
  ]

  static override args = {env: Args.string({description: 'the environment whose records to list', required: true})}
  static override flags = {manifest: manifestFlag, 'accept-new-host-keys': acceptNewHostKeysFlag}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(History)
    const report = await readHistory({manifestPath: flags.manifest, env: args.env, acceptNewHostKeys: flags['accept-new-host-keys']})
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderHistory(report))
  }
}
