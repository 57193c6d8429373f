import {GraduateCommand} from '../cli/base-command.js'
import {manifestJsonSchema} from '../manifest/index.js'

export default class Schema extends GraduateCommand {
  static override summary = 'Print the JSON Schema of graduate.yml, for editor completion.'

  static override description = `Generated from the same schema graduate validates with. Point your editor's YAML support at it,
e.g. with a first line \`# yaml-language-server: $schema=./graduate.schema.json\`.`

  static override examples = ['<%= config.bin %> schema > graduate.schema.json']

  async run(): Promise<void> {
    await this.parse(Schema)
    process.stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`)
  }
}
