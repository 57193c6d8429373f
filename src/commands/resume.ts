import {Args, Flags} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {confirmOrRefuse} from '../cli/confirmation.js'
import {acceptNewHostKeysFlag, manifestFlag, yesFlag} from '../cli/flags.js'
import {ExitCode} from '../exit-codes.js'
import {UsageError} from '../errors.js'
import {GRADUATION_ID} from '../graduation/id.js'
import {describeOwner} from '../graduation/owner.js'
import {findGraduation, renderResume, resumeGraduation} from '../recovery/resume.js'
import {withManifest} from '../recovery/session.js'

export default class Resume extends GraduateCommand {
  static override summary = 'Finish a graduation whose runner died after it decided.'

  static override description = withExitCodes(`Reads the decision from the gates (any released gate means the release was decided) or from this
machine's journal, sends it to every gate that has not acted on it, verifies what each app serves,
disarms the gates, records how the graduation ended in the hosts' history and releases the lock. A graduation that never decided cannot be resumed: abort it.`)

  static override examples = ['<%= config.bin %> resume 20261123T101500Z-3f9a']

  static override args = {id: Args.string({description: 'the graduation id (shown by `graduate status <env>`)', required: true})}
  static override flags = {
    manifest: manifestFlag,
    'accept-new-host-keys': acceptNewHostKeysFlag,
    yes: yesFlag,
    wait: Flags.integer({description: 'Seconds to wait for the deploys to end.', default: 300, min: 1}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Resume)
    if (!GRADUATION_ID.test(args.id)) throw new UsageError(`${args.id} is not a graduation id`, 'ids look like 20261123T101500Z-3f9a; `graduate status <env>` shows the one in flight')
    const outcome = await withManifest(flags.manifest, async ({manifest, hosts, commandMs}) => {
      const found = await findGraduation(args.id, manifest, hosts, commandMs)
      const question = `Finish graduation ${args.id} in ${found.state.env}: send its decision to every gate that has not acted on it (and the nginx switch, for a release), verify, disarm and unlock?`
      if (!(await confirmOrRefuse(question, {yes: flags.yes, what: `resume graduation ${args.id}`}))) return undefined
      return resumeGraduation(args.id, found, {commandMs, waitMs: flags.wait * 1000, switchMs: manifest.options.timeouts.switchMs, resumedBy: describeOwner()})
    }, {acceptNewHostKeys: flags['accept-new-host-keys']})
    if (outcome === undefined) {
      process.stderr.write('Nothing was sent; the graduation is as it was.\n')
      process.exitCode = ExitCode.Aborted
      return
    }
    process.stdout.write(flags.json ? `${JSON.stringify(outcome)}\n` : renderResume(outcome))
    process.exitCode = outcome.exitCode
  }
}
