import {Args, Flags} from '@oclif/core'
import {ExitCode} from '../exit-codes.js'
import {type GateMode, gateHostFailed, installGate} from '../operator/gate-install.js'
import {gateInstallQuestion, renderGateInstall} from '../operator/render-gate-install.js'
import {GraduateCommand, withExitCodes} from './base-command.js'
import {confirmOrRefuse} from './confirmation.js'
import {acceptNewHostKeysFlag, manifestFlag, yesFlag} from './flags.js'

/** What tells `gate install` and `gate upgrade` apart in their help. */
export interface GateCommandHelp {
  summary: string
  /** Above the exit-code table, which is added. */
  description: string
  examples: Array<{description: string; command: string}>
}

/**
 * The command class of `gate install` or `gate upgrade`: the same arguments, flags and service (the mode
 * is what differs), each with its own help.
 */
export function gateCommand(mode: GateMode, help: GateCommandHelp) {
  const Gate = class extends GraduateCommand {
    static override summary = help.summary
    static override description = withExitCodes(`${help.description}`)
    static override examples = help.examples
    static override args = {env: Args.string({description: 'the environment whose hosts get the plugin', required: true})}
    static override flags = {
      manifest: manifestFlag,
      user: Flags.string({description: 'Log in as this user instead of root; it must be allowed to run `sudo -n dokku`.', default: 'root'}),
      force: Flags.boolean({description: 'Replace whatever version is installed, even a newer one (a downgrade).', default: false}),
      yes: yesFlag,
      'accept-new-host-keys': acceptNewHostKeysFlag,
    }

    /** Installs or upgrades, reports each host, exits 3 when a host was refused or failed. */
    async run(): Promise<void> {
      const {args, flags} = await this.parse(Gate)
      const report = await installGate({
        manifestPath: flags.manifest,
        env: args.env,
        mode,
        user: flags.user,
        force: flags.force,
        acceptNewHostKeys: flags['accept-new-host-keys'],
        confirm: (plans, plugin) => confirmOrRefuse(gateInstallQuestion(plans, plugin), {yes: flags.yes, what: `install the gate plugin on the hosts of ${args.env}`}),
      })
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderGateInstall(report))
      if (report.hosts.some(gateHostFailed)) process.exitCode = ExitCode.Preflight
      else if (report.hosts.some((host) => host.result === 'skipped')) process.exitCode = ExitCode.Aborted
    }
  }
  return Gate
}
