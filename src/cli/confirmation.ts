import {UsageError} from '../errors.js'
import {confirm} from '../ui/confirm.js'

/**
 * Asks before an operator command changes a host: on a terminal a y/N prompt, otherwise `--yes` is
 * required, as for the graduation itself.
 */
export async function confirmOrRefuse(question: string, options: {yes: boolean; what: string}): Promise<boolean> {
  if (options.yes) return true
  if (!(process.stdin.isTTY && process.stderr.isTTY)) {
    throw new UsageError(`refusing to ${options.what} without confirmation: this is not an interactive terminal`, 'pass --yes to proceed')
  }
  return confirm(question, {input: process.stdin, output: process.stderr})
}
