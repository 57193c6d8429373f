import {Command, Flags} from '@oclif/core'
import {renderExitCodeHelp} from '../exit-codes.js'
import {renderErrorReport, toErrorReport} from './render-error.js'

/** A command's help description followed by the exit-code table, as every command that uses it shows it. */
export function withExitCodes(description: string): string {
  return `${description}

EXIT CODES
${renderExitCodeHelp()}`
}

/**
 * What every graduate command shares: `--json`, the exit-code table in its help, and one way to
 * report errors — a message and who acts next on stderr (or one JSON document on stdout with
 * `--json`), with the exit code from the table. Commands never handle errors themselves.
 */
export abstract class GraduateCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print machine-readable JSON on stdout.', default: false, env: 'GRADUATE_JSON'}),
  }

  protected wantsJson(): boolean {
    return this.argv.includes('--json') || process.env['GRADUATE_JSON'] === 'true' || process.env['GRADUATE_JSON'] === '1'
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    const report = toErrorReport(error)
    if (this.wantsJson()) process.stdout.write(`${JSON.stringify(this.errorDocument(report))}\n`)
    else process.stderr.write(renderErrorReport(report))
    process.exitCode = report.exitCode
  }

  /** The JSON written for an error; the main command overrides it to end its event stream with a summary. */
  protected errorDocument(report: ReturnType<typeof toErrorReport>): unknown {
    return {error: report}
  }
}
