import {UnsafeArgumentError} from '../errors.js'
import {BARE_WORD, singleQuoted} from '../remote/words.js'
import type {DokkuCommand} from './command.js'

/*
 * The one place a DokkuCommand becomes the string sent as `ssh dokku@host -- <string>`.
 *
 * What happens to that string on the host (dokku-contract.md §2.4, dokku-observed.md §7, Dokku's `dokku`
 * script): sshd's forced command expands it unquoted, so the login shell splits it at blanks, and
 * Dokku's `parse_args` acts on every resulting word that is a global flag. Then Dokku re-parses the
 * original string: when the command word contains "git" it only splits it at blanks again (quotes are
 * kept); otherwise `xargs -n 1` splits it with shell-like quoting and runs `/bin/echo` on each item.
 */

/** Flags Dokku's `parse_args` acts on wherever they appear on its command line, and what it does. */
const GLOBAL_FLAG_EFFECTS: ReadonlyMap<string, string> = new Map([
  ['--quiet', 'it hides Dokku’s own output'],
  ['--trace', 'it turns on shell tracing of every Dokku script, which can print config values'],
  ['--force', 'it turns on forced deletes'],
  ['--app', 'it takes the next word as the app name'],
])

/** Arguments GNU /bin/echo reads as its own options when it gets them alone. */
const ECHO_OPTION_BUNDLE = /^-[neE]+$/
const ECHO_INFO_FLAGS = new Set(['--help', '--version'])

/**
 * A word inside a quoted argument that the login shell's first split would hand to `parse_args` as a
 * global flag (or as a `--label…` flag, which Dokku forwards to `docker run`). Splitting it with an empty
 * quote pair (`-''-trace`) hides it from that split; xargs joins the pieces back into `--trace`.
 */
const FIRST_SPLIT_FLAG_WORD = /(?<=[ \t])--(?=(?:quiet|trace|force|app)[ \t]|label)/g

type Refusal = {reason: string; hint: string}

const GIT_PATH_REFUSAL: Refusal = {
  reason:
    'Dokku passes commands whose name contains "git" on without removing quotes, so every argument must be ' +
    'a plain word of letters, digits and @%+=:,./_-',
  hint: 'check the app, branch or image name: Dokku cannot receive it through this command',
}

const HOOK_HINT =
  'graduate passes a hook command to `/bin/sh -c` as one argument, so this only happens when the whole ' +
  'command is such a word: put the command in a script and run that'

function lineRefusal(arg: string): Refusal | undefined {
  if (arg.includes('\0')) {
    return {reason: 'it contains a NUL byte, which no SSH command line can carry', hint: 'remove the NUL byte'}
  }

  if (arg.includes('\n')) {
    return {
      reason: 'Dokku’s SSH parsing (xargs) splits arguments at newlines, so an argument cannot contain one',
      hint: 'for a hook command, join the lines with `;` or `&&`, or put them in a script and run that',
    }
  }

  return undefined
}

function echoRefusal(arg: string): Refusal | undefined {
  if (ECHO_OPTION_BUNDLE.test(arg)) {
    return {reason: `Dokku’s SSH parsing passes each word through /bin/echo, which would swallow a lone ${arg}`, hint: HOOK_HINT}
  }

  if (ECHO_INFO_FLAGS.has(arg)) {
    return {
      reason: `Dokku’s SSH parsing passes each word through /bin/echo, which would replace a lone ${arg} with its own ${arg.slice(2)} text`,
      hint: HOOK_HINT,
    }
  }

  return undefined
}

function globalFlagRefusal(arg: string): Refusal | undefined {
  const effect = GLOBAL_FLAG_EFFECTS.get(arg)
  return effect === undefined
    ? undefined
    : {reason: `Dokku treats ${arg} anywhere on its command line as its own global flag: ${effect}`, hint: HOOK_HINT}
}

/**
 * Why Dokku's SSH parsing would not deliver `arg` unchanged as one argument of a non-git command, or
 * undefined when it would. The manifest validator checks hook commands with it before anything runs.
 */
export function explainUnsafeArgument(arg: string): string | undefined {
  return (lineRefusal(arg) ?? echoRefusal(arg) ?? globalFlagRefusal(arg))?.reason
}

/** Dokku's own test, `[[ $1 =~ git-* ]]`, is an unanchored regex: any command word containing "git". */
function takesGitPath(command: DokkuCommand): boolean {
  return (command.argv[0] ?? '').includes('git')
}

function transportRefusal(command: DokkuCommand, arg: string): Refusal | undefined {
  if (takesGitPath(command)) return BARE_WORD.test(arg) ? undefined : GIT_PATH_REFUSAL
  return lineRefusal(arg) ?? echoRefusal(arg)
}

function refusalFor(command: DokkuCommand, index: number, arg: string): Refusal | undefined {
  const refusal = transportRefusal(command, arg)
  if (refusal !== undefined || command.subcommandFlags?.includes(index)) return refusal
  return globalFlagRefusal(arg)
}

function isSecret(command: DokkuCommand, index: number): boolean {
  return command.secretArgs?.includes(index) ?? false
}

function assertSendable(command: DokkuCommand): void {
  command.argv.forEach((arg, index) => {
    const refusal = refusalFor(command, index, arg)
    if (refusal === undefined) return
    throw new UnsafeArgumentError({
      command: command.argv[0] ?? '',
      position: index,
      argument: isSecret(command, index) ? '***' : JSON.stringify(arg),
      ...refusal,
    })
  })
}

function quoteWord(arg: string): string {
  if (BARE_WORD.test(arg)) return arg
  return singleQuoted(arg).replace(FIRST_SPLIT_FLAG_WORD, "-''-")
}

function joinWords(command: DokkuCommand, words: readonly string[]): string {
  return [...(command.globalFlags ?? []), ...words].join(' ')
}

/**
 * The exact string to send over SSH. Throws UnsafeArgumentError, before anything is sent, for an
 * argument Dokku would not receive unchanged.
 */
export function renderCommand(command: DokkuCommand): string {
  assertSendable(command)
  return joinWords(command, command.argv.map(quoteWord))
}

/** The same string with secret arguments shown as `***`, for logs and errors. Never throws. */
export function displayCommand(command: DokkuCommand): string {
  return joinWords(
    command,
    command.argv.map((arg, index) => (isSecret(command, index) ? '***' : quoteWord(arg))),
  )
}
