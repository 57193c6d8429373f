import {Args} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../cli/flags.js'
import {ExitCode} from '../exit-codes.js'
import {runDoctor} from '../operator/doctor.js'
import {renderDoctor} from '../operator/render-doctor.js'
import {colorWanted} from '../ui/style.js'

export default class Doctor extends GraduateCommand {
  static override summary = "Check every host and app of the manifest for what a graduation needs; change nothing."

  static override description = withExitCodes(`For every host: reachable over SSH with a known host key, the SSH settings graduate uses (paths,
never keys), Dokku 0.38 or newer, the gate plugin installed with this graduate's protocol, and its hold
hook. For every app: it exists and what it runs; in environments graduated into also the proxy (only
nginx keeps a held deploy from traffic), the scheduler, checks for web, skip-deploy, web containers
beyond formation.web.max_parallel, other process types (they start only after the release), and a
Procfile release or app.json predeploy that looks like a migration (it runs before the hold).

Each finding is ok, warn or fail, with the command that fixes it. Exits 3 when anything fails — the
things a graduation would refuse — and 0 otherwise.`)

  static override examples = [
    {description: 'Check every environment', command: '<%= config.bin %> doctor'},
    {description: 'Check production only, as JSON', command: '<%= config.bin %> doctor production --json'},
  ]

  static override args = {env: Args.string({description: 'the environment to check (default: every environment)', required: false})}
  static override flags = {manifest: manifestFlag, 'accept-new-host-keys': acceptNewHostKeysFlag}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Doctor)
    const report = await runDoctor({manifestPath: flags.manifest, env: args.env, acceptNewHostKeys: flags['accept-new-host-keys']})
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderDoctor(report, {color: colorWanted(process.stdout, process.env)}))
    if (report.counts.fail > 0) process.exitCode = ExitCode.Preflight
  }
}
