import {Args, Flags} from '@oclif/core'
import {GraduateCommand} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../cli/flags.js'
import {ExitCode} from '../exit-codes.js'
import {readEnvironmentState} from '../recovery/environment-state.js'
import {withEnvironment} from '../recovery/session.js'
import {renderStatus, statusReport} from '../recovery/status.js'

export default class Status extends GraduateCommand {
  static override summary = "Show any graduation in flight in an environment, from its hosts' own state."

  static override description = `Reads the environment lock and every app's gate on the environment's hosts — not this machine's
journal, since the graduation may have run elsewhere — and says what to do next (abort, resume, unlock).
Exits 3 when a host cannot be asked. It changes nothing, so it never asks for confirmation (--yes is accepted).`

  static override examples = ['<%= config.bin %> status production', '<%= config.bin %> status production --json']

  static override args = {env: Args.string({description: 'the environment to look at', required: true})}
  static override flags = {
    manifest: manifestFlag,
    'accept-new-host-keys': acceptNewHostKeysFlag,
    // status only reads, so it never asks; it takes --yes so that a runbook can pass it to every recovery command alike.
    yes: Flags.boolean({char: 'y', description: 'Accepted like abort, resume and unlock take it; status changes nothing and never asks.', default: false, env: 'GRADUATE_YES'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Status)
    const report = await withEnvironment(flags.manifest, args.env, async ({env, hosts, commandMs}) => statusReport(await readEnvironmentState(env, hosts, commandMs)), {
      acceptNewHostKeys: flags['accept-new-host-keys'],
    })
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderStatus(report))
    if (report.unreachable.length > 0) process.exitCode = ExitCode.Preflight
  }
}
