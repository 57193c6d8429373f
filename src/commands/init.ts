import {Flags} from '@oclif/core'
import {GraduateCommand, withExitCodes} from '../cli/base-command.js'
import {acceptNewHostKeysFlag, manifestFlag} from '../cli/flags.js'
import {initManifest} from '../operator/init.js'

export default class Init extends GraduateCommand {
  static override summary = "Write a commented graduate.yml from the apps on each environment's host."

  static override description = withExitCodes(`Give each environment as --env <name>=[user@]host[:port], in promotion order. graduate connects to
each host (with strict host-key checking, as always), lists its apps, and writes a manifest whose apps
are the ones every environment has; the others are listed in a comment. Hooks and options are there,
commented out, ready to edit. An existing file is replaced only with --force. The file written loads
as a manifest (\`graduate validate\` accepts it).`)

  static override examples = [
    {description: 'Two environments', command: '<%= config.bin %> init --env dev=dokku@dev.example.com --env production=dokku@prod.example.com:2222'},
    {
      description: 'With a deploy key and pinned host keys, into another file',
      command: '<%= config.bin %> init --env staging=dokku@staging --env production=dokku@prod --identity-file ~/.ssh/deploy_ed25519 --known-hosts-file deploy/known_hosts -m deploy/graduate.yml',
    },
  ]

  static override flags = {
    manifest: manifestFlag,
    env: Flags.string({description: 'An environment as <name>=[user@]host[:port]; repeat it, in promotion order.', multiple: true, required: true}),
    'identity-file': Flags.string({description: 'The private key for every host (written into the manifest as identityFile).'}),
    'known-hosts-file': Flags.string({description: 'The known_hosts file for every host (written into the manifest as knownHostsFile).'}),
    force: Flags.boolean({description: 'Replace the manifest file if it exists.', default: false}),
    'accept-new-host-keys': acceptNewHostKeysFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    const report = await initManifest({
      manifestPath: flags.manifest,
      environments: flags.env,
      identityFile: flags['identity-file'],
      knownHostsFile: flags['known-hosts-file'],
      force: flags.force,
      acceptNewHostKeys: flags['accept-new-host-keys'],
    })
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`)
      return
    }
    const lines = [`wrote ${report.manifest}: ${report.apps.length} app${report.apps.length === 1 ? '' : 's'} (${report.apps.join(', ')}) across ${report.environments.map((env) => env.name).join(' → ')}`]
    for (const entry of report.leftOut.filter((left) => left.apps.length > 0)) lines.push(`  left out, only in ${entry.env}: ${entry.apps.join(', ')}`)
    if (report.unusableNames.length > 0) lines.push(`  left out, names a manifest cannot take: ${report.unusableNames.join(', ')}`)
    lines.push(`next: edit it, then \`graduate doctor\` and \`graduate plan ${report.environments[0]!.name} ${report.environments[1]!.name}\``)
    process.stdout.write(`${lines.join('\n')}\n`)
  }
}
