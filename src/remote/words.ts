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

/** A word of a command line a person pastes into their own shell: bare when readable that way (a leading `~/` still expands). */
export function pastedWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : singleQuoted(word)
}
