import {Args, Flags} from '@oclif/core'
import {GraduateCommand} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../cli/flags.js'
import {ExitCode, PlanExitCode, renderExitCodeHelp, renderPlanExitCodeHelp} from '../exit-codes.js'
import {type PlanReport, planGraduation} from '../graduation/plan-report.js'
import {colorWanted} from '../ui/style.js'
import {renderPlanReport} from '../ui/plan-report.js'

export default class Plan extends GraduateCommand {
  static override summary = 'Show what `graduate <from> <to>` would do, and what would stop it; change nothing.'

  static override description = `Connects to every host and makes every check the graduation makes — without taking the lock. Per app:
the revision the target runs and the one it would get (short sha and commit subject), "unchanged, skip"
when they match, and drift: config keys set on one side only (names, never values), process scale,
checks, proxy type and domains that differ. Config keys the source sets and the target lacks stop a
graduation unless the manifest allows them (drift: allow: [...]) or --accept-drift is given.
Exits 0 when the graduation would go ahead, 3 when it would be refused.

EXIT CODES
${renderExitCodeHelp()}

WITH --detailed-exitcode (Terraform's codes, for scheduled CI promotions)
${renderPlanExitCodeHelp()}`

  static override examples = [
    {description: 'What promoting dev to production would change', command: '<%= config.bin %> plan dev production'},
    {description: 'The same as one JSON document, e.g. for a release checklist', command: '<%= config.bin %> plan staging production --json'},
    {description: 'In a scheduled CI job: promote only when there is something to promote', command: '<%= config.bin %> plan dev staging --detailed-exitcode; test $? -eq 2 && <%= config.bin %> dev staging --yes'},
  ]

  static override args = {
    from: Args.string({description: 'the environment whose running revisions would be promoted', required: true}),
    to: Args.string({description: 'the environment that would receive them', required: true}),
  }

  static override flags = {
    manifest: manifestFlag,
    only: Flags.string({description: 'Plan only these apps (comma-separated manifest names).', delimiter: ',', multiple: true}),
    'detailed-exitcode': Flags.boolean({description: "Exit as Terraform's plan does: 0 nothing to do, 2 changes pending, 1 error (including a graduation that would be refused).", default: false}),
    'accept-new-host-keys': acceptNewHostKeysFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Plan)
    const report = await planGraduation({manifestPath: flags.manifest, from: args.from, to: args.to, only: flags.only, acceptNewHostKeys: flags['accept-new-host-keys']})
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderPlanReport(report, {color: colorWanted(process.stdout, process.env)}))
    if (flags['detailed-exitcode']) process.exitCode = detailedExitCode(report)
    else if (report.problems.length > 0) process.exitCode = ExitCode.Preflight
  }

  /** Errors are reported as for every command; with --detailed-exitcode any of them exits 1, as Terraform's do. */
  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    await super.catch(error)
    if (this.argv.includes('--detailed-exitcode')) process.exitCode = PlanExitCode.Error
  }
}

function detailedExitCode(report: PlanReport): PlanExitCode {
  if (report.problems.length > 0) return PlanExitCode.Error
  return report.apps.some((app) => app.action === 'deploy') ? PlanExitCode.ChangesPending : PlanExitCode.NothingToDo
}
