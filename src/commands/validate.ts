import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {manifestFlag} from '../cli/flags.js'
import {loadManifest} from '../manifest/index.js'

export default class Validate extends GraduateCommand {
  static override summary = 'Check the manifest without contacting any host.'

  static override description = withExitCodes(`Reports every problem at once as file:line:column path: message, and exits 2 when there is one.`)

  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate -m deploy/graduate.yml']

  static override flags = {manifest: manifestFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(Validate)
    const manifest = await loadManifest(flags.manifest)
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({valid: true, manifest: manifest.displayPath, environments: manifest.chain, apps: manifest.apps})}\n`)
      return
    }
    process.stdout.write(`${manifest.displayPath} is valid: ${manifest.apps.length} app${manifest.apps.length === 1 ? '' : 's'} (${manifest.apps.join(', ')}) across ${manifest.chain.join(' → ')}\n`)
  }
}
