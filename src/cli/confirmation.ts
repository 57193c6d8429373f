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

/**
 * A run that asks for its plan's confirmation itself (a graduation, a rollback) needs a terminal to ask
 * on, unless --yes or --dry-run make the question unnecessary.
 */
export function requireTerminalOrYes(options: {yes: boolean; dryRun: boolean; what: string; alternative: string}): void {
  if (options.yes || options.dryRun || (process.stdin.isTTY && process.stderr.isTTY)) return
  throw new UsageError(`refusing to ${options.what} without confirmation: this is not an interactive terminal`, `pass --yes to proceed without a prompt, or ${options.alternative}`)
}
