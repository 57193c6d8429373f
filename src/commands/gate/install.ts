import {Args, Flags} from '@oclif/core'
import {GraduateCommand} from '../../cli/base-command.js'
import {confirmOrRefuse} from '../../cli/confirmation.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../../cli/flags.js'
import {ExitCode} from '../../exit-codes.js'
import {type GateMode, gateHostFailed, installGate} from '../../operator/gate-install.js'
import {gateInstallQuestion, renderGateInstall} from '../../operator/render-gate-install.js'

/** The arguments and flags `gate install` and `gate upgrade` share. */
export const gateArgs = {env: Args.string({description: 'the environment whose hosts get the plugin', required: true})}

export const gateFlags = {
  manifest: manifestFlag,
  user: Flags.string({description: 'Log in as this user instead of root; it must be allowed to run `sudo -n dokku`.', default: 'root'}),
  force: Flags.boolean({description: 'Replace whatever version is installed, even a newer one (a downgrade).', default: false}),
  yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).', default: false, env: 'GRADUATE_YES'}),
  'accept-new-host-keys': acceptNewHostKeysFlag,
}

/** Runs either command: installs or upgrades, reports each host, exits 3 when a host was refused or failed. */
export async function runGate(mode: GateMode, args: {env: string}, flags: {manifest: string; user: string; force: boolean; yes: boolean; json: boolean; 'accept-new-host-keys': boolean}): Promise<void> {
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

export default class GateInstall extends GraduateCommand {
  static override summary = "Install graduate's gate plugin on every host of an environment, over SSH as root."

  static override description = `The gate plugin holds each new release after Dokku's health checks until graduate releases or
aborts it; every target host needs it (and a source host whose apps are promoted as images). Dokku
installs plugins only as root, so this logs in as root (or --user, through \`sudo -n dokku\`) with the
manifest's host, port, key and known_hosts, uploads the plugin that ships with this graduate, and runs
\`dokku plugin:install file://… --name graduate\`.

Idempotent: a host that has this version already is left alone. A host with an older version is left
alone too — \`graduate gate upgrade\` replaces it — and a newer one is refused unless --force. Asks
before changing any host.

EXIT CODES
${GraduateCommand.exitCodesHelp}`

  static override examples = [
    {description: "Install the gate on production's hosts", command: '<%= config.bin %> gate install production'},
    {description: 'As a user with passwordless sudo, without a prompt', command: '<%= config.bin %> gate install production --user deploy --yes'},
  ]

  static override args = gateArgs
  static override flags = gateFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(GateInstall)
    await runGate('install', args, flags)
  }
}
