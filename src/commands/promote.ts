import {Args, Flags} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {requireTerminalOrYes} from '../cli/confirmation.js'
import {acceptNewHostKeysFlag, concurrencyFlag, manifestFlag, optionOverrides, switchTimeoutFlag, yesFlag} from '../cli/flags.js'
import {refusedSummary} from '../cli/refused-summary.js'
import type {ErrorReport} from '../cli/render-error.js'
import {promote} from '../graduation-service.js'

export default class Promote extends GraduateCommand {
  static override summary = 'Graduate every app of one environment into the next: all go live together, or none do.'

  static override description = withExitCodes(`Reads the manifest, deploys to each target app the revision its source app runs — held away from
traffic by the gate plugin until every app has passed Dokku's checks — runs the POST hooks (a database
migration, say), then releases all apps at once. Any failure before that aborts every app instead, and the
old releases never stop serving. \`graduate <from> <to>\` is the same as \`graduate promote <from> <to>\`.

On a terminal it shows the plan and asks before changing anything; without one it refuses unless --yes
(or --dry-run) is given.`)

  static override examples = [
    {description: 'Promote what dev runs to production, confirming the plan first', command: '<%= config.bin %> dev production'},
    {description: 'In CI: no prompt, NDJSON events on stdout', command: '<%= config.bin %> staging production --yes --json'},
    {description: 'Only two apps, showing what would happen', command: '<%= config.bin %> dev staging --only api,web --dry-run'},
  ]

  static override args = {
    from: Args.string({description: 'the environment whose running revisions are promoted', required: true}),
    to: Args.string({description: 'the environment that receives them', required: true}),
  }

  static override flags = {
    manifest: manifestFlag,
    yes: yesFlag,
    'dry-run': Flags.boolean({description: 'Connect, check and print the plan; change nothing.', default: false}),
    'accept-drift': Flags.boolean({description: 'Graduate even though a source app sets config keys its target lacks (they are listed as warnings).', default: false}),
    'accept-new-host-keys': acceptNewHostKeysFlag,
    only: Flags.string({description: 'Graduate only these apps (comma-separated manifest names).', delimiter: ',', multiple: true}),
    concurrency: concurrencyFlag,
    'deploy-timeout': Flags.string({description: 'From push to held, per app, e.g. 30m (overrides options.timeouts.deploy).'}),
    'hold-timeout': Flags.string({description: 'The longest time apps stay held, POST hooks included (options.timeouts.hold).'}),
    'hook-timeout': Flags.string({description: 'Default timeout of hooks without their own (options.timeouts.hook).'}),
    'switch-timeout': switchTimeoutFlag,
    lease: Flags.string({description: "The gates' lease; the CLI renews it while apps are held (options.lease)."}),
    verbose: Flags.boolean({char: 'v', description: "Show each app's Dokku deploy output, and how each host was reached over SSH.", default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Promote)
    requireTerminalOrYes({yes: flags.yes, dryRun: flags['dry-run'], what: `graduate ${args.from} → ${args.to}`, alternative: '--dry-run to see the plan'})
    const summary = await promote({
      manifestPath: flags.manifest,
      from: args.from,
      to: args.to,
      only: flags.only,
      overrides: optionOverrides(flags),
      yes: flags.yes,
      dryRun: flags['dry-run'],
      acceptDrift: flags['accept-drift'],
      acceptNewHostKeys: flags['accept-new-host-keys'],
      json: flags.json,
      verbose: flags.verbose,
    })
    process.exitCode = summary.exitCode
  }

  /** With --json the stream ends in a summary event even when the graduation could not start. */
  protected override errorDocument(report: ErrorReport): unknown {
    return refusedSummary(report)
  }
}
