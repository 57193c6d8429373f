import {GraduateCommand} from '../../cli/base-command.js'
import {gateArgs, gateFlags, runGate} from './install.js'

export default class GateUpgrade extends GraduateCommand {
  static override summary = 'Replace the gate plugin on every host of an environment with the one this graduate ships.'

  static override description = `Like \`graduate gate install\`, and where an older version is installed it is uninstalled and this
graduate's installed in its place (\`dokku plugin:uninstall graduate\`, then plugin:install). The gate's
state and the graduation records stay. While the plugin is being replaced the host holds no deploy, so
a host where a graduation is in flight (an app armed or held) is refused. A newer version than this
graduate's is refused unless --force, which also reinstalls the same version.

EXIT CODES
${GraduateCommand.exitCodesHelp}`

  static override examples = [
    {description: "Bring production's hosts to this graduate's gate", command: '<%= config.bin %> gate upgrade production'},
    {description: 'Go back to the plugin this graduate ships, from a newer one', command: '<%= config.bin %> gate upgrade production --force'},
  ]

  static override args = gateArgs
  static override flags = gateFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(GateUpgrade)
    await runGate('upgrade', args, flags)
  }
}
