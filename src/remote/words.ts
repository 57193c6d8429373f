/*
 * Words for a shell, in one place. A word that needs no quoting anywhere graduate sends or shows one —
 * Dokku's forced command and its re-parse (src/dokku/quote.ts builds on these), a remote POSIX shell, the
 * local shell of a hint a user pastes — is left bare; anything else is single-quoted, so nothing in it
 * is expanded.
 */

/** Letters, digits and @%+=:,./_- : the same word through every parser graduate's commands meet. No `~`: a leading one expands. */
export const BARE_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/

/** Always single-quoted: `'` + the word with each `'` as `'\''` + `'`. */
export function singleQuoted(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** One argument for a remote POSIX shell (a root login's, an ssh hook's): bare when nothing in it is special. */
export function shellArgument(word: string): string {
  if (word.includes('\0') || word.includes('\n')) throw new RangeError(`a shell argument cannot contain a NUL byte or a newline: ${JSON.stringify(word)}`)
  return BARE_WORD.test(word) ? word : singleQuoted(word)
}

/**
 * A word the line must carry single-quoted whatever it holds (newlines included): an ssh hook's command
 * and variables, which any login shell then only has to unquote.
 */
export interface QuotedWord {
  quoted: string
}

export function alwaysQuoted(word: string): QuotedWord {
  return {quoted: singleQuoted(word)}
}

/**
 * A command line for a remote POSIX shell: each word quoted as shellArgument does (or as given, for an
 * alwaysQuoted one), and stdout redirected to a file when `stdoutTo` names one.
 */
export function shellLine(words: ReadonlyArray<string | QuotedWord>, options: {stdoutTo?: string} = {}): string {
  const line = words.map((word) => (typeof word === 'string' ? shellArgument(word) : word.quoted)).join(' ')
  return options.stdoutTo === undefined ? line : `${line} > ${shellArgument(options.stdoutTo)}`
}

/** A word of a command line a person pastes into their own shell: bare when readable that way (a leading `~/` still expands). */
export function pastedWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : singleQuoted(word)
}
