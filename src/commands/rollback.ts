import {Args, Flags} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, concurrencyFlag, manifestFlag, optionOverrides, switchTimeoutFlag, yesFlag} from '../cli/flags.js'
import {requireTerminalOrYes} from '../cli/confirmation.js'
import {refusedSummary} from '../cli/refused-summary.js'
import type {ErrorReport} from '../cli/render-error.js'
import {rollback} from '../graduation-service.js'

export default class Rollback extends GraduateCommand {
  static override summary = 'Put every app of an environment back on the revision it ran before a graduation, together.'

  static override description = withExitCodes(`Reads the graduation records on the environment's hosts and redeploys, to each app that graduation
changed, the revision it ran before — through the same path as a graduation: lock, arm, every app held
after Dokku's checks, then the manifest's rollback hooks (a down-migration, say) instead of the POST
hooks, then one release for all, or an abort for all. Without --to it undoes the newest graduation not
rolled back yet, so running it twice steps back two graduations. \`graduate history <env>\` lists the ids.

On a terminal it shows exactly what will move back and asks first; without one it refuses unless --yes
(or --dry-run) is given.`)

  static override examples = [
    {description: 'Undo the last graduation into production', command: '<%= config.bin %> rollback production'},
    {description: 'Go back to what ran before a given graduation, in CI', command: '<%= config.bin %> rollback production --to 20261123T101500Z-3f9a --yes --json'},
    {description: 'Show what would move back', command: '<%= config.bin %> rollback production --dry-run'},
  ]

  static override args = {env: Args.string({description: 'the environment to roll back', required: true})}

  static override flags = {
    manifest: manifestFlag,
    to: Flags.string({description: 'The graduation id whose previous revisions are restored (default: the newest not rolled back).'}),
    yes: yesFlag,
    'dry-run': Flags.boolean({description: 'Connect, check and print what would move back; change nothing.', default: false}),
    only: Flags.string({description: 'Roll back only these apps (comma-separated manifest names).', delimiter: ',', multiple: true}),
    concurrency: concurrencyFlag,
    'deploy-timeout': Flags.string({description: 'From push to held, per app (options.timeouts.deploy).'}),
    'hold-timeout': Flags.string({description: 'The longest time apps stay held, rollback hooks included (options.timeouts.hold).'}),
    'switch-timeout': switchTimeoutFlag,
    lease: Flags.string({description: "The gates' lease (options.lease)."}),
    verbose: Flags.boolean({char: 'v', description: "Show each app's Dokku deploy output.", default: false}),
    'accept-new-host-keys': acceptNewHostKeysFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Rollback)
    requireTerminalOrYes({yes: flags.yes, dryRun: flags['dry-run'], what: `roll back ${args.env}`, alternative: '--dry-run to see what would move back'})
    const summary = await rollback({
      manifestPath: flags.manifest,
      env: args.env,
      to: flags.to,
      only: flags.only,
      overrides: optionOverrides(flags),
      yes: flags.yes,
      dryRun: flags['dry-run'],
      json: flags.json,
      verbose: flags.verbose,
      acceptNewHostKeys: flags['accept-new-host-keys'],
    })
    process.exitCode = summary.exitCode
  }

  /** With --json the stream ends in a summary event even when the rollback could not start. */
  protected override errorDocument(report: ErrorReport): unknown {
    return refusedSummary(report)
  }
}
