import {Args, Flags} from '@oclif/core'
import {GraduateCommand} from '../cli/base-command.js'
import {confirmOrRefuse} from '../cli/confirmation.js'
import {acceptNewHostKeysFlag, manifestFlag, yesFlag} from '../cli/flags.js'
import {ExitCode} from '../exit-codes.js'
import {describeOwner} from '../graduation/owner.js'
import {abortEnvironment, renderAbort} from '../recovery/abort.js'
import {claimedApps, readEnvironmentState} from '../recovery/environment-state.js'
import {withEnvironment} from '../recovery/session.js'

export default class Abort extends GraduateCommand {
  static override summary = 'Abort whatever graduation is armed or held in an environment.'

  static override description = `For a graduation whose runner is gone (a closed laptop, a cancelled CI job) or one you want to stop
from another terminal: every armed or held gate in the environment aborts its deploy and restores the app
(the old release keeps serving), graduate waits for the deploys to end, disarms them and releases that
graduation's lock. Apps already released are left alone (\`graduate resume\` finishes them).
Exits 0 when everything in flight was aborted, 5 when something could not be, 3 when a host could not be asked.`

  static override examples = ['<%= config.bin %> abort production', '<%= config.bin %> abort production --yes --json']

  static override args = {env: Args.string({description: 'the environment to abort', required: true})}
  static override flags = {
    manifest: manifestFlag,
    'accept-new-host-keys': acceptNewHostKeysFlag,
    yes: yesFlag,
    wait: Flags.integer({description: 'Seconds to wait for the aborted deploys to end.', default: 300, min: 1}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Abort)
    const outcome = await withEnvironment(flags.manifest, args.env, async ({env, hosts, commandMs}) => {
      const state = await readEnvironmentState(env, hosts, commandMs)
      const targets = claimedApps(state).filter((app) => app.gate.decision !== 'release')
      if (targets.length > 0) {
        const list = targets.map((app) => `${app.app} (${app.gate.state}, graduation ${app.gate.id})`).join(', ')
        if (!(await confirmOrRefuse(`Abort ${list} in ${env.name}?`, {yes: flags.yes, what: `abort ${list}`}))) return undefined
      }
      return abortEnvironment(state, {commandMs, waitMs: flags.wait * 1000, abortedBy: describeOwner()})
    }, {acceptNewHostKeys: flags['accept-new-host-keys']})
    if (outcome === undefined) {
      process.stderr.write('Nothing was aborted.\n')
      process.exitCode = ExitCode.Aborted
      return
    }
    process.stdout.write(flags.json ? `${JSON.stringify(outcome)}\n` : renderAbort(outcome))
    if (outcome.stuck.length > 0) process.exitCode = ExitCode.Partial
    else if (outcome.unreachable.length > 0) process.exitCode = ExitCode.Preflight
  }
}
