/**
 * Quoting for the LOCAL POSIX shell: hints a user pastes, and the GIT_SSH_COMMAND git hands to `sh -c`.
 * (Words sent to Dokku over SSH are quoted elsewhere, by the one function that knows Dokku's parser.)
 */

/** Always single-quoted, so nothing in the word is expanded. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Left bare when it is safe and readable that way (a leading `~/` still expands), quoted otherwise. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : shellQuote(word)
}
